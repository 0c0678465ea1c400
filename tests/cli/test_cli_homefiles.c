/* The files of a home are never silently replaced (issue 10, lower findings): an empty cache.db
 * is reported, not recreated; a device_id missing beside an existing cache is an error, not a
 * new device id. Real binary, real files. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root;

static void path_of(char *out, size_t len, const char *home, const char *file)
{
    snprintf(out, len, "%s/%s", home, file);
}

static long size_of(const char *home, const char *file)
{
    char p[4300];
    path_of(p, sizeof p, home, file);
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void make_home(char *home, size_t len, const char *tag)
{
    snprintf(home, len, "%s/%s", root, tag);
    proc_result_t r = cli_run(home, 0, "init", "--offline", "alice", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

static void expect_error(proc_result_t r, const char *needle)
{
    if (r.exit_code != 1 || !strstr(r.err, "dnasync: ") || !strstr(r.err, needle)) {
        fprintf(stderr, "expected exit 1 with '%s', got %d: out=%s err=%s\n", needle, r.exit_code,
                r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

static void test_empty_cache(void)
{
    char home[4200], p[4300];
    make_home(home, sizeof home, "empty");
    path_of(p, sizeof p, home, "cache.db");
    CHECK_EQ_INT(truncate(p, 0), 0); /* as a full disk or a bad copy leaves it */
    CHECK(size_of(home, "cache.db-wal") <= 0);
    expect_error(cli_run(home, 0, "status", (char *)NULL), "is an empty file (0 bytes)");
    expect_error(cli_run(home, 0, "inbox", (char *)NULL), "is an empty file (0 bytes)");
    CHECK_EQ_INT(size_of(home, "cache.db"), 0); /* left as it was */
}

static void test_missing_device_id(void)
{
    char home[4200], p[4300];
    make_home(home, sizeof home, "nodevice");
    proc_result_t r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    long cache = size_of(home, "cache.db");
    CHECK(cache > 0);
    path_of(p, sizeof p, home, "device_id");
    CHECK_EQ_INT(unlink(p), 0);
    expect_error(cli_run(home, 0, "status", (char *)NULL), "device_id is missing");
    CHECK_EQ_INT(size_of(home, "device_id"), -1); /* not replaced */
    CHECK_EQ_INT(size_of(home, "cache.db"), cache);
}

int main(void)
{
    root = test_tmpdir("homefiles");
    RUN(test_empty_cache);
    RUN(test_missing_device_id);
    test_rmtree(root);
    free(root);
    return 0;
}
