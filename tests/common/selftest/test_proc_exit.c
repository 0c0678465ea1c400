/* proc_spawn's processes are killed when the test exits without stopping them (a failed CHECK):
 * the tests that start nodes keep no handler of their own (tests/common/proc.h). A child copy of
 * this program spawns a process, says its pid and fails a CHECK; then that process is gone. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "proc.h"
#include "testenv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failing_child(const char *log)
{
    char *argv[] = {"sleep", "300", NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    printf("spawned %ld\n", (long)pid);
    fflush(stdout);
    CHECK(pid < 0); /* fails: the test exits as any failed CHECK does */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return failing_child(argv[2]);
    char *dir = test_tmpdir("proc-exit");
    char log[4200];
    snprintf(log, sizeof log, "%s/sleep.log", dir);
    char *cargv[] = {argv[0], "child", log, NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(cargv, NULL, 60, &r), 0);
    CHECK_EQ_INT(r.exit_code, 1);
    long pid = 0;
    CHECK(sscanf(r.out, "spawned %ld", &pid) == 1 && pid > 0);
    /* its parent reaped it on the way out, so the pid names no process now */
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
        fprintf(stderr, "pid %ld outlived the failed test\n", pid);
        kill((pid_t)pid, SIGKILL);
        exit(1);
    }
    proc_result_free(&r);
    test_rmtree(dir);
    free(dir);
    return 0;
}
