/* Internal: durable files of a persisting node (`--persist DIR`, docs/dht.md "Persistence").
 * A file is replaced only by a complete, fsynced copy; a file that cannot be read is kept aside
 * under another name, never overwritten. C, so the C++ adapter needs no POSIX file code. */
#ifndef DNASYNC_DHT_PERSIST_H
#define DNASYNC_DHT_PERSIST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write dir/name atomically (dnasync_file_write_atomic: temp file, fsync, rename, fsync dir). On
 * any failure the previous dir/name is untouched, the temp file removed, and err gets the reason.
 * 0 ok, DNASYNC_EIO. */
int dht_persist_write(const char *dir, const char *name, const void *data, size_t len, char *err,
                      size_t errlen);

/* Read all of dir/name into *out (malloc'd, caller frees; *len bytes). 0 ok, DNASYNC_ENOTFOUND
 * (no such file), DNASYNC_EIO (unreadable, err says why), DNASYNC_ENOMEM. */
int dht_persist_read(const char *dir, const char *name, char **out, size_t *len, char *err,
                     size_t errlen);

/* Rename dir/name to dir/name.unreadable-<UTC time> (never replacing an existing file) and log
 * it with `why`. 0 ok, DNASYNC_EIO. */
int dht_persist_set_aside(const char *dir, const char *name, const char *why);

#ifdef __cplusplus
}
#endif
#endif
