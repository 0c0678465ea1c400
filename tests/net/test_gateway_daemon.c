/* `--gateway URL` on a command while the home's daemon runs (docs/cli.md, "Global options
 * through the daemon"). A daemon that reaches the DHT through exactly these gateways, in this
 * order, runs the command like any other (it asks for what the daemon has); any other list is
 * refused with exit 2, naming the option, the daemon's pid and the way out, and changes nothing
 * (the home's remembered gateways stay). One real `dnasync node --gateway-port`, one home, one
 * daemon, all on loopback. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "daemon_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pid_t node = -1;

static void stop_node(void)
{
    if (node > 0)
        proc_stop(node, 10);
    node = -1;
}

/* dnasync --home home ARGS... (up to 5, the rest NULL). */
static proc_result_t run(const char *home, const char *a0, const char *a1, const char *a2,
                         const char *a3, const char *a4)
{
    char *argv[12] = {(char *)DNASYNC_CLI_PATH, "--home", (char *)home};
    const char *more[] = {a0, a1, a2, a3, a4};
    int n = 3;
    for (size_t i = 0; i < 5 && more[i]; i++)
        argv[n++] = (char *)more[i];
    argv[n] = NULL;
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 120, &r), 0);
    return r;
}

static void ok(proc_result_t r, const char *what)
{
    if (r.exit_code != 0)
        fprintf(stderr, "%s: exit %d, out=%s err=%s\n", what, r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

int main(void)
{
    char *dir = test_tmpdir("gwdaemon");
    char log[4200], home[4200], url[64], other[64];
    snprintf(log, sizeof log, "%s/node.log", dir);
    char *argv[] = {(char *)DNASYNC_CLI_PATH, "node", "--bind", "127.0.0.1", "--port", "0",
                    "--gateway-port",         "0",    NULL};
    node = proc_spawn(argv, log);
    CHECK(node > 0);
    atexit(stop_node);
    char *text = proc_wait_for_text(log, "gateway on http://127.0.0.1:", 30);
    CHECK(text);
    int port = atoi(strstr(text, "gateway on http://127.0.0.1:") + 28);
    free(text);
    CHECK(port > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    snprintf(other, sizeof other, "http://127.0.0.1:%d", port == 9 ? 10 : 9);

    snprintf(home, sizeof home, "%s/alice", dir);
    ok(run(home, "--gateway", url, "init", "alice", NULL), "init through the gateway");
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    pid_t daemon = dt_start_daemon(home, log); /* no bootstrap node: the gateway transport */
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)daemon);

    fprintf(stderr, "-- the daemon's own gateway: the command runs through the daemon\n");
    ok(run(home, "--gateway", url, "sync", NULL, NULL), "--gateway URL sync");
    ok(run(home, "--gateway", url, "status", NULL, NULL), "--gateway URL status");

    fprintf(stderr, "-- another gateway, or the same one with another: refused\n");
    for (int i = 0; i < 2; i++) {
        proc_result_t r = i == 0 ? run(home, "--gateway", other, "status", NULL, NULL)
                                 : run(home, "--gateway", url, "--gateway", other, "status");
        fprintf(stderr, "list %d: exit %d, err=%s", i, r.exit_code, r.err);
        CHECK_EQ_INT(r.exit_code, 2);
        CHECK(strncmp(r.err, "dnasync: --gateway ", 19) == 0);
        CHECK(strstr(r.err, pid) && strstr(r.err, url) && strstr(r.err, "stop the daemon"));
        CHECK_EQ_STR(r.out, "");
        proc_result_free(&r);
    }
    char cfg[4300];
    snprintf(cfg, sizeof cfg, "%s/config", home);
    text = proc_wait_for_text(cfg, "gateway=", 1);
    CHECK(text);
    CHECK(strstr(text, url) && !strstr(text, other)); /* the refused lists were not saved */
    free(text);

    CHECK_EQ_INT(proc_stop(daemon, 30), 0);
    stop_node();
    test_rmtree(dir);
    free(dir);
    return 0;
}
