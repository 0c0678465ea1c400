/* Helpers shared by identity_file.c, pins.c and linkcode.c, and identity names: the rule is
 * dnasync_name_check's (1..64 bytes of valid UTF-8, no control characters); this wrapper only adds
 * the message format the crypto layer uses. */
#include "crypto/identity_int.h"
#include "dnasync/status.h"

#include <stdio.h>
#include <string.h>

/* Provisional copy of the rule until dnasync/names.h lands. */
static const char *name_problem(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len = strlen(name);
    if (len == 0)
        return "is empty";
    if (len > DNASYNC_NAME_MAX)
        return "is longer than 64 bytes";
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t need;
        unsigned cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return "contains a control character";
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return "is not valid UTF-8";
        }
        if (i + need >= len)
            return "is not valid UTF-8";
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return "is not valid UTF-8";
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return "is not valid UTF-8";
        if (cp >= 0x80 && cp <= 0x9f)
            return "contains a control character";
        i += need + 1;
    }
    return NULL;
}

int dnasync_id_name_ok(const char *name, char *errbuf, size_t errlen)
{
    if (!name)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EINVAL, "no name given");
    const char *why = name_problem(name);
    if (why)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EINVAL,
                               "invalid identity name: it %s (1..64 bytes of UTF-8, no control "
                               "characters)",
                               why);
    return DNASYNC_OK;
}

int dnasync_id_fail(char *errbuf, size_t errlen, int code, const char *fmt, ...)
{
    if (errbuf && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int dnasync_id_path(char *path, size_t size, const char *dir, const char *file, char *errbuf,
                    size_t errlen)
{
    int n = snprintf(path, size, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= size)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EINVAL, "home path too long: %.200s...",
                               dir);
    return DNASYNC_OK;
}
