/* Status codes shared by every dnasync layer. 0 is success, negatives are errors.
 * The readable reason of a failed call is the calling thread's last error (dnasync_last_error);
 * a handle's *_errmsg returns the same for calls on that handle (docs/CONVENTIONS.md, "Errors"). */
#ifndef DNASYNC_STATUS_H
#define DNASYNC_STATUS_H

#include "dnasync/export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dnasync_status {
    DNASYNC_OK = 0,
    DNASYNC_ERR = -1,       /* generic failure */
    DNASYNC_EINVAL = -2,    /* bad argument or input */
    DNASYNC_ENOMEM = -3,    /* allocation failed */
    DNASYNC_EIO = -4,       /* file or database I/O failed */
    DNASYNC_ENOTFOUND = -5, /* no such item */
    DNASYNC_ECRYPTO = -6,   /* decryption / verification failed */
    DNASYNC_ETIMEOUT = -7,  /* network operation timed out */
    DNASYNC_ETOOBIG = -8,   /* value exceeds a size limit */
    DNASYNC_ECORRUPT = -9,  /* stored or received data is malformed */
    DNASYNC_EEXIST = -10,   /* already exists / conflicting claim */
    DNASYNC_EDHT = -11,     /* DHT operation failed */
    DNASYNC_EAUTH = -12,    /* wrong passphrase, bad signature, not authorised */
    DNASYNC_EBUSY = -13     /* held by another process (the home lock) */
};

/* Static, never NULL. */
DNASYNC_API const char *dnasync_strerror(int status);
/* The reason of the last call that failed on the calling thread (thread-local, as libgit2's
 * git_error_last): one line naming the thing and what is wrong. Set by every failing call,
 * constructors included (a NULL from sync_init: read why here); a successful call leaves it as
 * it was, so read it right after the failure. "no error" before any failure. Never NULL;
 * borrowed, valid until the next dnasync call on this thread. */
DNASYNC_API const char *dnasync_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
