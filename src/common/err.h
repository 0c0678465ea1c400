/* Internal: the error rule's plumbing (docs/CONVENTIONS.md, "Errors").
 * Every failure is recorded in the calling thread's last error (dnasync_last_error(), public in
 * dnasync/status.h) and, for a call on a handle, in the handle's slot. A handle that several
 * threads share guards its slot with a mutex of its own (guard), so a thread that made no failing
 * call can still read the handle's last failure without a data race. */
#ifndef DNASYNC_COMMON_ERR_H
#define DNASYNC_COMMON_ERR_H

#include "dnasync/status.h"

#include <pthread.h>
#include <stddef.h>

typedef struct dnasync_err {
    int code;
    char msg[512];
    /* Held for every write and copy of this slot, never while taking another lock; NULL when
     * one thread at a time uses the handle (the cache). Borrowed from the handle. */
    pthread_mutex_t *guard;
} dnasync_err_t;

/* Record an error in slot (may be NULL: a call with no handle, e.g. a constructor) and in the
 * calling thread's last error; returns `code`, so callers can `return dnasync_err_set(...)`.
 * The arguments may point into the thread's last error (it is formatted first). */
int dnasync_err_set(dnasync_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a caller's buffer (buf may be NULL or len 0: only the thread's last error). */
int dnasync_err_buf(char *buf, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The message, or dnasync_strerror(code) when no message was set. Never NULL. Unguarded: for
 * a slot only this thread writes (a shared handle's: dnasync_err_mine / dnasync_err_copy). */
const char *dnasync_err_msg(const dnasync_err_t *err);
/* A shared handle's *_errmsg: the calling thread's last error if this thread's last failure was
 * recorded in slot; else NULL, and the caller reads the slot with dnasync_err_copy. */
const char *dnasync_err_mine(const dnasync_err_t *err);
/* A copy of the slot, taken under its guard, in a buffer of the calling thread; borrowed, valid
 * until the next dnasync_err_copy on this thread. Never NULL. */
const char *dnasync_err_copy(const dnasync_err_t *err);

#endif
