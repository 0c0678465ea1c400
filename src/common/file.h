/* Internal: the one atomic file writer. A file is only ever replaced by a complete, fsynced copy:
 * a temporary file beside it (mode 0600), fsync, rename (or link, when replacing is not allowed)
 * over the name, fsync of the directory. Readers see the old file or the new one, never a part. */
#ifndef DNASYNC_COMMON_FILE_H
#define DNASYNC_COMMON_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Write len bytes of data as path. replace false: an existing path is kept and DNASYNC_EEXIST
 * returned (also when another process creates it meanwhile). On any failure the previous file is
 * untouched, the temporary file removed, and err (may be NULL) gets "what path: reason".
 * 0 ok, DNASYNC_EEXIST, DNASYNC_EIO. */
int dnasync_file_write_atomic(const char *path, const void *data, size_t len, bool replace,
                              char *err, size_t errlen);

#endif
