/* Internal: the last-error slot every handle embeds. */
#ifndef DNASYNC_COMMON_ERR_H
#define DNASYNC_COMMON_ERR_H

#include "dnasync/status.h"

#include <stddef.h>

typedef struct dnasync_err {
    int code;
    char msg[512];
} dnasync_err_t;

/* Record an error and return `code`, so callers can `return dnasync_err_set(...)`. */
int dnasync_err_set(dnasync_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dnasync_err_clear(dnasync_err_t *err);
/* The same for a caller's buffer (buf may be NULL or len 0: nothing is written). */
int dnasync_err_buf(char *buf, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The message, or dnasync_strerror(code) when no message was set. Never NULL. */
const char *dnasync_err_msg(const dnasync_err_t *err);

#endif
