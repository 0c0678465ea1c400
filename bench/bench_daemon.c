/* Row 9: the dnasync command's latency, whole process run, through the home's daemon against
 * in-process (issue 12). usage: bench_daemon WORKDIR N BOOTSTRAP...
 * Two homes (alice, bob) on the given network; N `send` and N `inbox` runs of the real
 * command with `dnasync daemon` running for alice, then N of each with no daemon (each run
 * then starts and stops its own DHT node). The daemon runs first: every in-process run leaves a
 * dead node in the others' routing tables, which would slow the daemon's puts too.
 * RESULT cli_{send,inbox}_{daemon,inproc}_ms per run, and cli_version_ms (`dnasync --version`:
 * the cost of starting the command at all). */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char home_a[4200], home_b[4200];
static char *boot[8];
static int n_boot;

static double run(const char *home, const char *a, const char *b, const char *c, int must)
{
    char *argv[32];
    int n = 0;
    argv[n++] = DNASYNC_CLI_PATH;
    argv[n++] = "--home";
    argv[n++] = (char *)home;
    for (int i = 0; i < n_boot; i++) {
        argv[n++] = "--bootstrap";
        argv[n++] = boot[i];
    }
    argv[n++] = (char *)a;
    argv[n++] = (char *)b;
    argv[n++] = (char *)c;
    argv[n] = NULL;
    proc_result_t r;
    double t0 = bench_mono();
    if (proc_run(argv, NULL, 120, &r) != 0)
        bench_die("cannot run %s", DNASYNC_CLI_PATH);
    double ms = (bench_mono() - t0) * 1000.0;
    if (must && r.exit_code != 0)
        bench_die("dnasync %s: exit %d: %s", a, r.exit_code, r.err);
    proc_result_free(&r);
    return ms;
}

static void measure(const char *how, int n)
{
    char name[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "cli_send_%s_ms", how);
        bench_result(name, run(home_a, "send", "bob", "bench: through the daemon or not", 1));
        snprintf(name, sizeof name, "cli_inbox_%s_ms", how);
        bench_result(name, run(home_a, "inbox", "--limit", "20", 1));
    }
}

int main(int argc, char **argv)
{
    if (argc < 4)
        bench_die("usage: bench_daemon WORKDIR N BOOTSTRAP...");
    int n = atoi(argv[2]);
    for (int i = 3; i < argc && n_boot < 8; i++)
        boot[n_boot++] = argv[i];
    snprintf(home_a, sizeof home_a, "%s/daemon-alice", argv[1]);
    snprintf(home_b, sizeof home_b, "%s/daemon-bob", argv[1]);
    run(home_a, "init", "alice", NULL, 1);
    run(home_b, "init", "bob", NULL, 1);
    run(home_b, "sync", NULL, NULL, 1); /* publishes bob's identity, remembers the network */
    run(home_a, "sync", NULL, NULL, 1);

    char log[4300];
    snprintf(log, sizeof log, "%s/daemon-alice.log", argv[1]);
    char *dargv[] = {DNASYNC_CLI_PATH, "--home", home_a, "daemon", NULL};
    pid_t d = proc_spawn(dargv, log);
    char *ready = d > 0 ? proc_wait_for_text(log, "ready:", 60) : NULL;
    if (!ready) {
        if (d > 0)
            proc_stop(d, 10);
        bench_die("the daemon did not start (log %s)", log);
    }
    free(ready);
    for (int i = 0; i < n; i++) /* what starting the command costs at all */
        bench_result("cli_version_ms", run(home_a, "--version", NULL, NULL, 1));
    measure("daemon", n);
    if (proc_stop(d, 30) != 0)
        bench_die("the daemon did not stop cleanly (log %s)", log);
    measure("inproc", n);
    return 0;
}
