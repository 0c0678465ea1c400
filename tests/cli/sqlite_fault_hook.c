/* Test-only, linked into dnasync_sqlfault (never into the shipped library or command): with
 * DNASYNC_FAIL_PREPARE_AFTER_OPEN=N, every sqlite3_prepare_v3 after the process's N-th
 * sqlite3_open_v2 fails, so a home's second connection (the one sync_init wraps) cannot be set
 * up while the first (dnasync_cache_open's) was fine. The executable's definitions take the
 * place of libsqlite3's; the real ones are found with RTLD_NEXT. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdlib.h>

static int opens;

int sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
    int (*real)(const char *, sqlite3 **, int, const char *) =
        (int (*)(const char *, sqlite3 **, int, const char *))dlsym(RTLD_NEXT, "sqlite3_open_v2");
    opens++;
    return real(path, db, flags, vfs);
}

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **st,
                       const char **tail)
{
    int (*real)(sqlite3 *, const char *, int, unsigned int, sqlite3_stmt **, const char **) =
        (int (*)(sqlite3 *, const char *, int, unsigned int, sqlite3_stmt **, const char **))dlsym(
            RTLD_NEXT, "sqlite3_prepare_v3");
    const char *at = getenv("DNASYNC_FAIL_PREPARE_AFTER_OPEN");
    if (at && opens >= atoi(at)) {
        *st = NULL;
        return SQLITE_IOERR;
    }
    return real(db, sql, n, flags, st, tail);
}
