/* Internal to the crypto layer: shared by identity_file.c, pins.c and linkcode.c. */
#ifndef DNASYNC_CRYPTO_IDENTITY_INT_H
#define DNASYNC_CRYPTO_IDENTITY_INT_H

#include "common/err.h"
#include "dnasync/identity.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* 0 if name is an acceptable identity name, else DNASYNC_EINVAL with a reason in errbuf. */
int dnasync_id_name_ok(const char *name, char *errbuf, size_t errlen);

/* path = dir + "/" + file; DNASYNC_EINVAL (with message) when it does not fit in size. */
int dnasync_id_path(char *path, size_t size, const char *dir, const char *file, char *errbuf,
                    size_t errlen);

/* Writes <home>/identity for (name, master), creating home (0700) if missing; on failure
 * removes whatever it created (the temporary file, and home itself if it made it).
 * DNASYNC_EEXIST when an identity file is already there. */
int dnasync_id_write_file(const char *home, const char *name,
                          const uint8_t master[DNASYNC_MASTER_BYTES], char *errbuf, size_t errlen);

/* DNASYNC_EEXIST (with message) if <home>/identity exists, else 0 (or DNASYNC_EINVAL/EIO). */
int dnasync_id_check_absent(const char *home, char *errbuf, size_t errlen);

#endif
