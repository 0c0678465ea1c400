/* The home lock (sync/home_lock.h): flock on <home>/lock, with the holder's pid and role. */
#define _DEFAULT_SOURCE
#include "sync/home_lock.h"
#include "common/err.h"

#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct dnasync_home_lock {
    int fd;
};

/* The holder's "PID ROLE" line. A holder that has just taken the lock may not have written
 * it yet: read again for up to ~0.5 s before calling it unknown. */
static void read_holder(int fd, dnasync_home_lock_holder_t *h)
{
    memset(h, 0, sizeof *h);
    for (int i = 0; i < 50; i++) {
        char buf[64] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        long pid = 0;
        char role[32] = "";
        if (n > 0 && sscanf(buf, "%ld %31s", &pid, role) == 2 && pid > 0) {
            h->pid = (pid_t)pid;
            memcpy(h->role, role, sizeof h->role);
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int dnasync_home_lock_take(const char *dir, const char *role, dnasync_home_lock_t **out,
                           dnasync_home_lock_holder_t *holder, char *err, size_t errlen)
{
    *out = NULL;
    if (!role || !*role || strlen(role) >= sizeof holder->role || strpbrk(role, " \t\n"))
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "home lock: bad role");
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/lock", dir) >= sizeof path)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "home path is too long");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot open %s: %s", path,
                               strerror(errno));
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        if (e != EWOULDBLOCK) {
            close(fd);
            return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot lock %s: %s", path,
                                   strerror(e));
        }
        dnasync_home_lock_holder_t h;
        read_holder(fd, &h);
        close(fd);
        if (holder)
            *holder = h;
        char who[96] = "another process";
        if (h.pid > 0)
            snprintf(who, sizeof who, "`dnasync %s` (pid %ld)", h.role, (long)h.pid);
        if (strcmp(h.role, "daemon") == 0) /* starting, or its socket is gone */
            return dnasync_err_buf(err, errlen, DNASYNC_EBUSY,
                                   "home %s is in use by %s; its socket is %s/dnasync.sock", dir,
                                   who, dir);
        return dnasync_err_buf(err, errlen, DNASYNC_EBUSY,
                               "home %s is in use by %s; run `dnasync daemon` to share one node",
                               dir, who);
    }
    char line[64];
    int n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), role);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n) {
        int e = errno;
        close(fd); /* drops the lock */
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot write %s: %s", path, strerror(e));
    }
    dnasync_home_lock_t *l = malloc(sizeof *l);
    if (!l) {
        close(fd);
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
    }
    l->fd = fd;
    *out = l;
    return DNASYNC_OK;
}

void dnasync_home_lock_release(dnasync_home_lock_t *lock)
{
    if (!lock)
        return;
    /* Empty the file first so a reader never names a process that has let go. */
    if (ftruncate(lock->fd, 0) != 0) {
        /* the flock is what counts; stale text is overwritten by the next holder */
    }
    close(lock->fd);
    free(lock);
}
