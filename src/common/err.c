#include "common/err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

const char *dnasync_strerror(int status)
{
    switch (status) {
    case DNASYNC_OK: return "ok";
    case DNASYNC_EINVAL: return "invalid argument";
    case DNASYNC_ENOMEM: return "out of memory";
    case DNASYNC_EIO: return "I/O error";
    case DNASYNC_ENOTFOUND: return "not found";
    case DNASYNC_ECRYPTO: return "cryptographic check failed";
    case DNASYNC_ETIMEOUT: return "timed out";
    case DNASYNC_ETOOBIG: return "too large";
    case DNASYNC_ECORRUPT: return "corrupt data";
    case DNASYNC_EEXIST: return "already exists";
    case DNASYNC_EDHT: return "DHT operation failed";
    case DNASYNC_EAUTH: return "authentication failed";
    case DNASYNC_EBUSY: return "in use by another process";
    default: return "error";
    }
}

/* The calling thread's last error, and which slot it was also recorded in (NULL: none). */
static _Thread_local dnasync_err_t last;
static _Thread_local const dnasync_err_t *last_from;
/* dnasync_err_copy's buffer: a read of another thread's failure must not replace this one's. */
static _Thread_local dnasync_err_t copied;

static void record(dnasync_err_t *slot, int code, const char *msg)
{
    if (slot) {
        if (slot->guard)
            pthread_mutex_lock(slot->guard);
        snprintf(slot->msg, sizeof slot->msg, "%s", msg);
        slot->code = code;
        if (slot->guard)
            pthread_mutex_unlock(slot->guard);
    }
    snprintf(last.msg, sizeof last.msg, "%s", msg);
    last.code = code;
    last_from = slot;
}

int dnasync_err_set(dnasync_err_t *err, int code, const char *fmt, ...)
{
    char msg[sizeof last.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    record(err, code, msg);
    return code;
}

const char *dnasync_err_msg(const dnasync_err_t *err)
{
    if (!err)
        return "no handle";
    if (err->msg[0])
        return err->msg;
    return dnasync_strerror(err->code);
}

int dnasync_err_buf(char *buf, size_t len, int code, const char *fmt, ...)
{
    char msg[sizeof last.msg];
    bool to_buf = buf && len > 0; /* the caller's buffer may hold more than the thread's copy */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(to_buf ? buf : msg, to_buf ? len : sizeof msg, fmt, ap);
    va_end(ap);
    record(NULL, code, to_buf ? buf : msg);
    return code;
}

const char *dnasync_err_mine(const dnasync_err_t *err)
{
    return err && last_from == err ? dnasync_err_msg(&last) : NULL;
}

const char *dnasync_err_copy(const dnasync_err_t *err)
{
    if (err->guard)
        pthread_mutex_lock(err->guard);
    copied = *err;
    if (err->guard)
        pthread_mutex_unlock(err->guard);
    return dnasync_err_msg(&copied);
}

const char *dnasync_last_error(void)
{
    return last.code || last.msg[0] ? dnasync_err_msg(&last) : "no error";
}
