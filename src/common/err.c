#include "common/err.h"

#include <stdarg.h>
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

int dnasync_err_set(dnasync_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void dnasync_err_clear(dnasync_err_t *err)
{
    err->code = 0;
    err->msg[0] = '\0';
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
    if (buf && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, len, fmt, ap);
        va_end(ap);
    }
    return code;
}
