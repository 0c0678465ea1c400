/* The daemon's log (log.h). Lines are written whole with one write(2), so lines of
 * different threads never interleave. */
#define _POSIX_C_SOURCE 200809L
#include "daemon/log.h"

#include "dnasync/env.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;

int dlog_init(void)
{
    int fd = fcntl(2, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    log_fd = fd;
    return 0;
}

void dlog(dlog_level_t level, const char *fmt, ...)
{
    static const char *const names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
    uint64_t ms = dnasync_env_now_ms(NULL);
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char line[2048];
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03uZ %s ", (unsigned)(ms % 1000),
                          names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : n + (size_t)m < sizeof line - 1 ? n + (size_t)m : sizeof line - 2;
    line[n++] = '\n';
    if (write(log_fd, line, n) < 0) {
        /* nowhere left to say it */
    }
}
