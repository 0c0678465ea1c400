/* Helpers shared by identity_file.c, pins.c and linkcode.c. Identity names follow
 * dnasync_name_check (common/names.h); the wrapper only adds the crypto layer's wording. */
#include "common/err.h"
#include "common/names.h"
#include "crypto/identity_int.h"
#include "dnasync/status.h"

#include <stdio.h>
#include <string.h>

int dnasync_id_name_ok(const char *name, char *errbuf, size_t errlen)
{
    char why[200];
    if (dnasync_name_check(name, why, sizeof why) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "invalid identity name: %s", why);
    return DNASYNC_OK;
}

int dnasync_id_path(char *path, size_t size, const char *dir, const char *file, char *errbuf,
                    size_t errlen)
{
    int n = snprintf(path, size, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= size)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "home path too long: %.200s...",
                               dir);
    return DNASYNC_OK;
}
