/* Identity name validation (see common/names.h for the rule). */
#include "common/names.h"

#include "common/err.h"
#include "common/utf8.h"
#include "dnasync/message.h"
#include "dnasync/status.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int is_space(uint32_t cp)
{
    return cp == 0x20 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

int dnasync_name_check_n(const char *name, size_t len, char *errbuf, size_t errlen)
{
    if (!name)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name is missing");
    if (len == 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name is empty");
    if (len > DNASYNC_NAME_MAX)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name is %zu bytes, the limit is %d",
                               len, DNASYNC_NAME_MAX);
    const unsigned char *s = (const unsigned char *)name;
    uint32_t first = 0, last = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = dnasync_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                                   "name is not valid UTF-8 at byte %zu", i + 1);
        if (cp == 0)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name contains NUL at byte %zu",
                                   i + 1);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                                   "name contains a control character (U+%04X) at byte %zu",
                                   (unsigned)cp, i + 1);
        if (cp == '/' || cp == ':' || cp == '#')
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name contains '%c' at byte %zu",
                                   (char)cp, i + 1);
        if (i == 0)
            first = cp;
        last = cp;
        i += n;
    }
    if (is_space(first))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "name starts with whitespace (U+%04X)", (unsigned)first);
    if (is_space(last))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name ends with whitespace (U+%04X)",
                               (unsigned)last);
    if (errbuf && errlen)
        errbuf[0] = '\0';
    return 0;
}

int dnasync_name_check(const char *name, char *errbuf, size_t errlen)
{
    if (!name)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "name is missing");
    return dnasync_name_check_n(name, strlen(name), errbuf, errlen);
}
