/* kill -9 between the DHT confirming a put and the cache marking the row synced: after a
 * restart nothing is lost and nothing is duplicated. Real processes: two `dnasync node`s and the
 * dnasync command, with the crash injected through DNASYNC_FAULT=crash-after-put. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "proc.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char boot[2][64];

static proc_result_t dn(const char *home, char *const env[], const char *a, const char *b,
                        const char *c)
{
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "--home",
                    (char *)home,
                    "--json",
                    "--bootstrap",
                    boot[0],
                    "--bootstrap",
                    boot[1],
                    (char *)a,
                    (char *)b,
                    (char *)c,
                    NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, env, 60, &r), 0);
    return r;
}

static void ok(proc_result_t r)
{
    if (r.exit_code != 0) {
        fprintf(stderr, "exit %d: %s%s\n", r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

static pid_t start_node(const char *dir, const char *name, const char *bootstrap, char *addr)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "node",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "0",
                    bootstrap ? "--bootstrap" : NULL,
                    (char *)bootstrap,
                    NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "listening on", 20);
    CHECK(text);
    char *p = strstr(text, "listening on ");
    CHECK(p && sscanf(p, "listening on %63s", addr) == 1);
    free(text);
    return pid;
}

int main(void)
{
    char *dir = test_tmpdir("crash");
    pid_t n1 = start_node(dir, "node1", NULL, boot[0]);
    pid_t n2 = start_node(dir, "node2", boot[0], boot[1]);
    char alice[4200], bob[4200];
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    ok(dn(alice, NULL, "init", "alice", NULL));
    ok(dn(bob, NULL, "init", "bob", NULL));
    ok(dn(bob, NULL, "sync", NULL, NULL)); /* publishes bob's identity */

    char fault[] = "DNASYNC_FAULT=crash-after-put";
    char *env[] = {fault, NULL};
    proc_result_t r = dn(alice, env, "send", "bob", "survives a crash");
    CHECK_EQ_INT(r.exit_code, 128 + 9); /* SIGKILL, right after the put was confirmed */
    proc_result_free(&r);

    r = dn(alice, NULL, "status", NULL, NULL);
    CHECK(strstr(r.out, "\"pending_uploads\":1,")); /* stored, not marked */
    proc_result_free(&r);
    r = dn(alice, NULL, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"uploaded\":1,"));
    CHECK(strstr(r.out, "\"pending_uploads\":0,"));
    proc_result_free(&r);

    r = dn(bob, NULL, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"downloaded\":1,")); /* one message, not two */
    proc_result_free(&r);
    r = dn(bob, NULL, "inbox", NULL, NULL);
    CHECK(strstr(r.out, "survives a crash"));
    CHECK(strchr(r.out, '\n') == r.out + strlen(r.out) - 1); /* exactly one line */
    proc_result_free(&r);

    CHECK_EQ_INT(proc_stop(n2, 10), 0);
    CHECK_EQ_INT(proc_stop(n1, 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
