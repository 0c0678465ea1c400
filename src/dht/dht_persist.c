/* Durable state files of a persisting node (see dht_persist.h). */
#define _POSIX_C_SOURCE 200809L
#include "dht/dht_persist.h"

#include "common/err.h"
#include "common/file.h"
#include "common/log.h"
#include "dnasync/env.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WHO "dnasync dht"

int dht_persist_write(const char *dir, const char *name, const void *data, size_t len, char *err,
                      size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return dnasync_file_write_atomic(path, data, len, true, err, errlen);
}

int dht_persist_read(const char *dir, const char *name, char **out, size_t *len, char *err,
                     size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? DNASYNC_ENOTFOUND
                               : dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot open %s: %s",
                                                 path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno ? errno : EINVAL;
        close(fd);
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot read %s: %s", path, strerror(e));
    }
    size_t cap = (size_t)st.st_size, n = 0;
    char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        close(fd);
        return DNASYNC_ENOMEM;
    }
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot read %s: %s", path,
                                   strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = n;
    return DNASYNC_OK;
}

int dht_persist_set_aside(const char *dir, const char *name, const char *why)
{
    char path[4096], aside[4200], stamp[32] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    time_t now = (time_t)dnasync_env_now(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0; i < 100; i++) {
        snprintf(aside, sizeof aside, "%s.unreadable-%s%s%.0d", path, stamp, i ? "-" : "", i);
        /* link + unlink: never replaces an earlier set-aside file (rename would) */
        if (link(path, aside) == 0) {
            unlink(path);
            dnasync_log(DNASYNC_LOG_ERROR, WHO, "%s is unreadable (%s); kept aside as %s", path,
                        why, aside);
            return DNASYNC_OK;
        }
        if (errno != EEXIST)
            break;
    }
    dnasync_log(DNASYNC_LOG_ERROR, WHO, "%s is unreadable (%s) and cannot be kept aside: %s", path,
                why, strerror(errno));
    return DNASYNC_EIO;
}
