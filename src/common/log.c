/* Timestamped, levelled log lines (see log.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"

#include "dnasync/env.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *level_name(int level)
{
    switch (level) {
    case DNASYNC_LOG_ERROR: return "ERROR";
    case DNASYNC_LOG_WARN: return "WARN";
    case DNASYNC_LOG_INFO: return "INFO";
    default: return "DEBUG";
    }
}

void dnasync_vlog(int level, const char *who, const char *fmt, va_list ap)
{
    uint64_t ms = dnasync_env_now_ms(NULL);
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    char line[2048];
    size_t n = 0;
    if (gmtime_r(&s, &tm))
        n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    int k = snprintf(line + n, sizeof line - n, ".%03uZ %s %s: ", (unsigned)(ms % 1000),
                     level_name(level), who ? who : "dnasync");
    if (k > 0)
        n += (size_t)k < sizeof line - n ? (size_t)k : sizeof line - n - 1;
    k = vsnprintf(line + n, sizeof line - n, fmt, ap);
    if (k > 0)
        n += (size_t)k < sizeof line - n ? (size_t)k : sizeof line - n - 1;
    while (n > 0 && line[n - 1] == '\n') /* OpenDHT's messages sometimes end in one */
        n--;
    line[n++] = '\n';
    /* One write: lines from several threads never interleave. */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

void dnasync_log(int level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dnasync_vlog(level, who, fmt, ap);
    va_end(ap);
}
