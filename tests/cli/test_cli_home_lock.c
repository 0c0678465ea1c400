/* One home, one DHT node (issue 10 D7): a second process on a home whose node another process
 * runs fails at once with the real reason, never half-binds its node; the lock of a killed
 * process is free again. Real processes: a `dnasync node`, `dnasync watch`, `dnasync send`. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "proc.h"
#include "testenv.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char boot[64];

static char *dir;
static char home[4200];

static proc_result_t dn(const char *home, const char *a, const char *b, const char *c)
{
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "--home",
                    (char *)home,
                    "--bootstrap",
                    boot,
                    (char *)a,
                    (char *)b,
                    (char *)c,
                    NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 60, &r), 0);
    return r;
}

static pid_t start_watch(const char *home, const char *log)
{
    char *argv[] = {
        (char *)DNASYNC_CLI_PATH, "--home", (char *)home, "--bootstrap", boot, "watch", NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "watching as", 30);
    if (!text)
        fprintf(stderr, "watch did not start; its log is in %s\n", log);
    CHECK(text);
    free(text);
    return pid;
}

static void test_second_process_refused(void)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/watch.log", dir);
    pid_t w = start_watch(home, log);
    proc_result_t r = dn(home, "send", "alice", "while watch runs");
    char want[160];
    snprintf(want, sizeof want, "is in use by `dnasync watch` (pid %ld)", (long)w);
    if (r.exit_code != 1 || !strstr(r.err, want) || !strstr(r.err, "run `dnasync daemon`")) {
        fprintf(stderr, "expected exit 1 with '%s', got %d: %s%s\n", want, r.exit_code, r.out,
                r.err);
        exit(1);
    }
    proc_result_free(&r);
    /* Nothing was stored by the refused send; the watch is unharmed and stops cleanly. */
    r = dn(home, "inbox", NULL, NULL);
    CHECK(!strstr(r.out, "while watch runs"));
    proc_result_free(&r);
    CHECK_EQ_INT(proc_stop(w, 20), 0);
    r = dn(home, "send", "alice", "after watch");
    if (r.exit_code != 0)
        fprintf(stderr, "send after watch: %d %s%s\n", r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

static void test_killed_holder_frees_the_home(void)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/watch2.log", dir);
    pid_t w = start_watch(home, log);
    CHECK_EQ_INT(kill(w, SIGKILL), 0);
    int st = 0;
    CHECK_EQ_INT(waitpid(w, &st, 0), w);
    proc_result_t r = dn(home, "send", "alice", "after kill -9");
    if (r.exit_code != 0)
        fprintf(stderr, "send after kill -9: %d %s%s\n", r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

int main(void)
{
    dir = test_tmpdir("homelock");
    char log[4200];
    snprintf(log, sizeof log, "%s/node.log", dir);
    char *nargv[] = {(char *)DNASYNC_CLI_PATH, "node", "--bind", "127.0.0.1", "--port", "0", NULL};
    pid_t node = proc_spawn(nargv, log);
    CHECK(node > 0);
    char *text = proc_wait_for_text(log, "listening on", 20);
    CHECK(text);
    CHECK(sscanf(strstr(text, "listening on "), "listening on %63s", boot) == 1);
    free(text);

    snprintf(home, sizeof home, "%s/alice", dir);
    proc_result_t r = dn(home, "init", "alice", NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    r = dn(home, "sync", NULL, NULL); /* publishes alice's identity */
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);

    RUN(test_second_process_refused);
    RUN(test_killed_holder_frees_the_home);

    CHECK_EQ_INT(proc_stop(node, 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
