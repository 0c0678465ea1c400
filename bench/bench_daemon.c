/* Row 9: the dnasync command's latency, whole process run, through the home's daemon against
 * in-process (issue 12). usage: bench_daemon WORKDIR N BOOTSTRAP...
 * Two homes (alice, bob) on the given network; N `send` and N `inbox` runs of the real
 * command with `dnasync daemon` running for alice, then N of each with no daemon (each run
 * then starts and stops its own DHT node). The daemon runs first: every in-process run leaves a
 * dead node in the others' routing tables, which would slow the daemon's puts too.
 * RESULT cli_{send,inbox}_{daemon,inproc}_ms per run, and cli_version_ms (`dnasync --version`:
 * the cost of starting the command at all). Then row 9b: real time daemon to daemon on the
 * network those N in-process sends joined and left (realtime() below). */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "proc.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

static pid_t start_daemon(const char *home, const char *log)
{
    char *dargv[] = {DNASYNC_CLI_PATH, "--home", (char *)home, "daemon", NULL};
    pid_t d = proc_spawn(dargv, log);
    char *ready = d > 0 ? proc_wait_for_text(log, "ready:", 60) : NULL;
    if (!ready) {
        if (d > 0)
            proc_stop(d, 10);
        bench_die("the daemon did not start (log %s)", log);
    }
    free(ready);
    return d;
}

static int connect_home(const char *home)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/dnasync.sock", home);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        bench_die("cannot connect to %s", a.sun_path);
    return fd;
}

/* Reads fd until a line containing needle (and, when set, needle2) arrives; the line's
 * "message_id" into id (when id). 0 ok, -1 EOF or 30 s without it. */
static int wait_line(int fd, const char *needle, const char *needle2, char id[65])
{
    static char buf[1 << 20];
    static size_t len;
    double deadline = bench_mono() + 30;
    for (;;) {
        char *nl;
        while ((nl = memchr(buf, '\n', len)) != NULL) {
            *nl = '\0';
            bool hit = strstr(buf, needle) && (!needle2 || strstr(buf, needle2));
            const char *m = strstr(buf, "\"message_id\":\"");
            if (hit && id && m && strlen(m + 14) >= 64) {
                memcpy(id, m + 14, 64);
                id[64] = '\0';
            }
            size_t used = (size_t)(nl - buf) + 1;
            memmove(buf, nl + 1, len - used);
            len -= used;
            if (hit)
                return 0;
        }
        double left = deadline - bench_mono();
        struct pollfd pf = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
            return -1;
        ssize_t r = recv(fd, buf + len, sizeof buf - len - 1, 0);
        if (r <= 0)
            return -1;
        len += (size_t)r;
    }
}

/* Real time, daemon to daemon, on the network the in-process runs above joined and left:
 * alice's daemon sends to bob, bob's daemon notifies a subscriber. RESULT
 * daemon_realtime_latency_ms per message (send request written -> bob's notification read),
 * daemon_realtime_timeouts. */
static void realtime(const char *dir, int n)
{
    char log_a[4300], log_b[4300];
    snprintf(log_a, sizeof log_a, "%s/daemon-alice-rt.log", dir);
    snprintf(log_b, sizeof log_b, "%s/daemon-bob-rt.log", dir);
    pid_t da = start_daemon(home_a, log_a), db = start_daemon(home_b, log_b);
    int sub = connect_home(home_b), cmd = connect_home(home_a);
    const char *subscribe = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"subscribe\"}\n";
    if (send(sub, subscribe, strlen(subscribe), MSG_NOSIGNAL) < 0 ||
        wait_line(sub, "\"subscribed\"", NULL, NULL) != 0)
        bench_die("cannot subscribe to bob's daemon");
    int lost = 0;
    for (int i = 0; i < n; i++) {
        char req[256], id[65] = "";
        snprintf(req, sizeof req,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"send\",\"params\":{\"recipient\":"
                 "\"bob\",\"text\":\"real time %d\"}}\n",
                 i + 1, i);
        double t0 = bench_mono();
        if (send(cmd, req, strlen(req), MSG_NOSIGNAL) < 0 ||
            wait_line(cmd, "\"result\"", NULL, id) != 0 || !id[0])
            bench_die("send %d through alice's daemon failed", i);
        char want[80];
        snprintf(want, sizeof want, "\"message_id\":\"%s\"", id);
        if (wait_line(sub, "\"method\":\"message\"", want, NULL) != 0) {
            lost++;
            continue;
        }
        bench_result("daemon_realtime_latency_ms", (bench_mono() - t0) * 1000.0);
    }
    bench_result("daemon_realtime_timeouts", lost);
    close(sub);
    close(cmd);
    if (proc_stop(da, 30) != 0 || proc_stop(db, 30) != 0)
        bench_die("a daemon did not stop cleanly (%s, %s)", log_a, log_b);
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
    pid_t d = start_daemon(home_a, log);
    for (int i = 0; i < n; i++) /* what starting the command costs at all */
        bench_result("cli_version_ms", run(home_a, "--version", NULL, NULL, 1));
    measure("daemon", n);
    if (proc_stop(d, 30) != 0)
        bench_die("the daemon did not stop cleanly (log %s)", log);
    measure("inproc", n);
    realtime(argv[1], n);
    return 0;
}
