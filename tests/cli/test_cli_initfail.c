/* When the sync engine cannot start on a home, the command says why (issue 15 item 1): before,
 * sync_init returned NULL with no reason and the CLI printed only "cannot start the sync engine
 * on HOME/cache.db". The failure is injected at the SQLite boundary by a test-only build of the
 * command (dnasync_sqlfault, tests/cli/sqlite_fault_hook.c): the home's second connection, the
 * one sync_init sets up, cannot prepare its statements. Real files, real binaries. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *root = test_tmpdir("initfail");
    char home[4200];
    snprintf(home, sizeof home, "%s/home", root);
    proc_result_t r = cli_run(home, 0, "init", "--offline", "alice", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    char *argv[] = {DNASYNC_SQLFAULT_PATH, "--home", home, "inbox", NULL};
    char *env[] = {"DNASYNC_FAIL_PREPARE_AFTER_OPEN=2", NULL};
    CHECK_EQ_INT(proc_run(argv, env, 60, &r), 0);
    fprintf(stderr, "exit %d, stderr: %s", r.exit_code, r.err);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "cannot start the sync engine") != NULL);
    CHECK(strstr(r.err, "cache: prepare statement") != NULL); /* the reason, from the cache */
    proc_result_free(&r);
    /* the same home without the fault: nothing was lost */
    r = cli_run(home, 0, "inbox", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    test_rmtree(root);
    free(root);
    return 0;
}
