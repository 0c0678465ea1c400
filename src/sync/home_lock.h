/* One home, one DHT node: the lock every process that runs a home's DHT node holds.
 * <home>/lock is flock()ed exclusively for as long as the holder lives and holds its pid and
 * role ("daemon", "watch", "send", ...). The kernel drops a flock when its holder dies, so a
 * lock left by a killed process is free at once; the stale text in the file is overwritten. */
#ifndef DNASYNC_HOME_LOCK_H
#define DNASYNC_HOME_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnasync_home_lock dnasync_home_lock_t;

typedef struct dnasync_home_lock_holder {
    pid_t pid;     /* 0 when the holder has not written it yet */
    char role[32]; /* "" when unknown */
} dnasync_home_lock_holder_t;

/* Take <dir>/lock for this process under `role` (copied into the file). 0 ok, *out freed with
 * dnasync_home_lock_release. DNASYNC_EBUSY when another holder (any process, or another
 * handle of this one) has it: holder (may be NULL) gets its pid and role, err the sentence
 * "home DIR is in use by `dnasync ROLE` (pid N); run `dnasync daemon` to share one node"
 * (for a daemon holder: "...; its socket is DIR/dnasync.sock").
 * Other errors: DNASYNC_EIO with the reason. */
int dnasync_home_lock_take(const char *dir, const char *role, dnasync_home_lock_t **out,
                           dnasync_home_lock_holder_t *holder, char *err, size_t errlen);
/* Unlock and free; NULL is fine. The file stays (removing it would race with a new taker). */
void dnasync_home_lock_release(dnasync_home_lock_t *lock);

#ifdef __cplusplus
}
#endif
#endif
