/* The atomic file writer (see file.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/file.h"

#include "common/err.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w == 0 ? ENOSPC : errno;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Put the finished tmp in place as path: rename, or link when an existing path must be kept
 * (rename would replace it). 0 or an errno; EEXIST when path exists and replace is false. */
static int put_in_place(const char *tmp, const char *path, bool replace)
{
    if (replace)
        return rename(tmp, path) == 0 ? 0 : errno;
    if (link(tmp, path) == 0)
        return 0;
    int e = errno;
    if (e == EEXIST)
        return e;
    /* Filesystems without hard links: rename, having checked just before. */
    struct stat st;
    if (lstat(path, &st) == 0)
        return EEXIST;
    return rename(tmp, path) == 0 ? 0 : errno;
}

int dnasync_file_write_atomic(const char *path, const void *data, size_t len, bool replace,
                              char *err, size_t errlen)
{
    if (!path || (!data && len))
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "cannot write %s: %s",
                               path ? path : "(null)", strerror(EINVAL));
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16), *dir = malloc(pl + 1);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "cannot write %s: %s", path,
                               strerror(ENOMEM));
    }
    snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
    memcpy(dir, path, pl + 1);
    int rc = DNASYNC_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc =
            dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    int e = fchmod(fd, 0600) != 0 ? errno : write_all(fd, data, len);
    const char *what = "cannot write", *where = tmp;
    if (!e && fsync(fd) != 0) {
        e = errno;
        what = "cannot fsync";
    }
    if (close(fd) != 0 && !e) {
        e = errno;
        what = "cannot close";
    }
    if (!e) {
        e = put_in_place(tmp, path, replace);
        what = e == EEXIST ? "refusing to replace" : "cannot rename it into";
        where = path;
    }
    if (e) {
        unlink(tmp);
        rc = dnasync_err_buf(err, errlen, e == EEXIST && !replace ? DNASYNC_EEXIST : DNASYNC_EIO,
                             "%s %s: %s", what, where, strerror(e));
        goto out;
    }
    if (!replace)
        unlink(tmp); /* the link is in place */
    /* The new name itself is durable only once the directory is. */
    const char *d = dirname(dir);
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot fsync directory %s: %s", d,
                             strerror(errno));
    if (dfd >= 0)
        close(dfd);
out:
    free(tmp);
    free(dir);
    return rc;
}
