/* Status codes shared by every dnasync layer. 0 is success, negatives are errors.
 * Each handle also keeps a readable last-error string (see *_errmsg functions). */
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

#ifdef __cplusplus
}
#endif
#endif
