/* Rows 9 and 9b (issue 12) and 13c (issue 13): the dnasync command's latency, whole process
 * run, through the home's daemon against in-process; real time daemon to daemon before and after
 * short-lived clients. usage: bench_daemon WORKDIR N GATEWAY_URL|- BOOTSTRAP...
 * Two homes (alice, bob) on the given network, in this order (every native one-shot run leaves a
 * dead node in the others' routing tables, so those come last):
 * Every daemon is measured once ready (start_daemon): RESULT daemon_ready_ms (step 1) and
 * <phase>_ready_ms (each real-time phase's two daemons), its time from start to ready.
 * 1. N `send` and N `inbox` runs of the real command with `dnasync daemon` running for alice:
 *    RESULT cli_{send,inbox}_daemon_ms, and cli_version_ms (`dnasync --version`: the cost of
 *    starting the command at all);
 * 2. real time daemon to daemon (realtime() below) on the network no one-shot process has left:
 *    RESULT daemon_rt_fresh_ms;
 * 3. with a gateway: GW_CLIENTS one-shot clients come and go through it (each a new home: `init`,
 *    then `send` to dave, a third identity, so bob's mailbox keeps its writers), while alice's
 *    daemon keeps sending to bob's: daemon_rt_gwchurn_ms, then the same after they all left:
 *    daemon_rt_aftergw_ms; their `send`: cli_send_gateway_ms; then GW_CLIENTS new clients the
 *    same way with their processes at idle CPU priority (SCHED_IDLE): daemon_rt_gwchurn_idle_ms
 *    (on this 2-core machine the clients' own CPU, not the gateway, slowed the daemons:
 *    BENCHMARKS.notes.md, 13c; real gateway clients run on other machines);
 *    every real-time phase: <name>_runq_ms, the daemons' run-queue wait per message (schedstat,
 *    all threads of both), and with clients <name>_clients_cpu_ms, CPU per client process pair;
 * 4. N `send` and N `inbox` runs with no daemon (each starts and stops its own DHT node) on
 *    carol's home, which never ran a daemon: cli_{send,inbox}_inproc_ms (a home whose node ran
 *    as a daemon stores the network's values; since OpenDHT's storage maintenance is on, each
 *    stop hands them all over first, BENCHMARKS.md notes); then real time daemon to daemon on
 *    the network those N processes joined and left: daemon_realtime_latency_ms (row 9b);
 * 5. with a gateway, last, the other effect on its own: each of the clients sends bob one
 *    message (bob's mailbox: GW_CLIENTS more writers, for the rest of the day) and real time
 *    daemon to daemon again: daemon_rt_bobwriters_ms, against the phase just before it. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "bench_common.h"
#include "proc.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* issue 13: the native device's real time while 100 gateway clients come and go */
#define GW_CLIENTS 100
#define GW_PARALLEL 2 /* clients at a time (a 2-core machine) */

static char home_a[4200], home_b[4200], home_c[4200];
static const char *dir, *gateway;
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

static void measure(const char *how, const char *home, int n)
{
    char name[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "cli_send_%s_ms", how);
        bench_result(name, run(home, "send", "bob", "bench: through the daemon or not", 1));
        snprintf(name, sizeof name, "cli_inbox_%s_ms", how);
        bench_result(name, run(home, "inbox", "--limit", "20", 1));
    }
}

/* Daemons running now, stopped at exit too (bench_die exits from any thread). */
static pid_t live[2];

static void stop_live(void)
{
    for (int i = 0; i < 2; i++)
        if (live[i] > 0)
            proc_stop(live[i], 10);
}

static int stop_daemon(pid_t d)
{
    for (int i = 0; i < 2; i++)
        if (live[i] == d)
            live[i] = 0;
    return proc_stop(d, 30);
}

/* Starts a daemon (stopped at exit too); wait_ready below before measuring. */
static pid_t start_daemon(const char *home, const char *log)
{
    char *dargv[] = {DNASYNC_CLI_PATH, "--home", (char *)home, "daemon", NULL};
    pid_t d = proc_spawn(dargv, log);
    if (d <= 0)
        bench_die("cannot start the daemon (log %s)", log);
    for (int i = 0; i < 2; i++)
        if (live[i] == 0) {
            live[i] = d;
            break;
        }
    return d;
}

/* Waits until the daemon logging to log is ready (docs/rpc.md, "Ready": first pass done,
 * routing table warm), so what is measured next is the daemon at work, not its start; RESULT
 * <ready_name> = its own time from start to ready. */
static void wait_ready(const char *log, const char *ready_name)
{
    char *text = proc_wait_for_text(log, "ready:", 60);
    const char *at = text ? strstr(text, "ready: after ") : NULL;
    double ms = at ? strtod(at + strlen("ready: after "), NULL) : -1;
    free(text);
    if (ms < 0)
        bench_die("the daemon did not get ready (log %s)", log);
    bench_result(ready_name, ms);
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

/* A client connection with its own read buffer (a subscriber's stream may hold more lines). */
typedef struct conn {
    int fd;
    size_t len;
    char buf[1 << 20];
} conn_t;

/* Reads c until a line containing needle (and, when set, needle2) arrives; the line's
 * "message_id" into id (when id). 0 ok, -1 EOF or 30 s without it. */
static int wait_line(conn_t *c, const char *needle, const char *needle2, char id[65])
{
    double deadline = bench_mono() + 30;
    for (;;) {
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
            *nl = '\0';
            bool hit = strstr(c->buf, needle) && (!needle2 || strstr(c->buf, needle2));
            const char *m = strstr(c->buf, "\"message_id\":\"");
            if (hit && id && m && strlen(m + 14) >= 64) {
                memcpy(id, m + 14, 64);
                id[64] = '\0';
            }
            size_t used = (size_t)(nl - c->buf) + 1;
            memmove(c->buf, nl + 1, c->len - used);
            c->len -= used;
            if (hit)
                return 0;
        }
        double left = deadline - bench_mono();
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
            return -1;
        ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len - 1, 0);
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
    }
}

/* One-shot gateway clients, GW_PARALLEL threads taking the next client number. */
static pthread_mutex_t churn_mu = PTHREAD_MUTEX_INITIALIZER;
static int churn_next, churn_done;
/* whom they send to; churn_new: each client is a new home (`init` first, its send measured) */
static const char *churn_to = "dave";
static int churn_new = 1;
/* churn_base: the first client's number; churn_idle: the clients run at idle CPU priority */
static int churn_base, churn_idle;

static void *churn_worker(void *arg)
{
    (void)arg;
    /* this thread's policy, inherited by the clients it forks */
    struct sched_param sp = {0};
    if (churn_idle && sched_setscheduler(0, SCHED_IDLE, &sp) != 0)
        bench_die("cannot give the gateway clients idle CPU priority");
    for (;;) {
        pthread_mutex_lock(&churn_mu);
        int i = churn_next < GW_CLIENTS ? churn_next++ : -1;
        pthread_mutex_unlock(&churn_mu);
        if (i < 0)
            return NULL;
        char home[4200], name[32];
        snprintf(home, sizeof home, "%s/gwclient%d", dir, churn_base + i);
        snprintf(name, sizeof name, "gwclient%d", churn_base + i);
        char *init[] = {DNASYNC_CLI_PATH, "--home", home, "--gateway",
                        (char *)gateway,  "init",   name, NULL};
        char *snd[] = {DNASYNC_CLI_PATH,        "--home", home, "send", (char *)churn_to,
                       "from a gateway client", NULL};
        proc_result_t r;
        if (churn_new) {
            if (proc_run(init, NULL, 120, &r) != 0 || r.exit_code != 0)
                bench_die("gateway client %d: init failed: %s", i, r.err ? r.err : "");
            proc_result_free(&r);
        }
        double t0 = bench_mono();
        if (proc_run(snd, NULL, 120, &r) != 0 || r.exit_code != 0)
            bench_die("gateway client %d: send failed: %s", i, r.err ? r.err : "");
        if (churn_new && !churn_idle) /* row 9's figure: at normal priority */
            bench_result("cli_send_gateway_ms", (bench_mono() - t0) * 1000.0);
        proc_result_free(&r);
        pthread_mutex_lock(&churn_mu);
        churn_done++;
        pthread_mutex_unlock(&churn_mu);
    }
}

/* The gateway clients, GW_PARALLEL at a time, each send to `to` once more (no daemon runs). */
static void clients_send(const char *to)
{
    churn_to = to;
    churn_new = 0;
    churn_next = churn_done = 0;
    pthread_t th[GW_PARALLEL];
    for (int t = 0; t < GW_PARALLEL; t++)
        if (pthread_create(&th[t], NULL, churn_worker, NULL) != 0)
            bench_die("cannot start the gateway clients");
    for (int t = 0; t < GW_PARALLEL; t++)
        pthread_join(th[t], NULL);
}

static int churn_finished(void)
{
    pthread_mutex_lock(&churn_mu);
    int done = churn_done == GW_CLIENTS;
    pthread_mutex_unlock(&churn_mu);
    return done;
}

/* Seconds the threads of pids a and b waited on a run queue so far (/proc/PID/task/TID/schedstat,
 * second field): how long the daemons were runnable but not running. */
static double runq_wait(pid_t a, pid_t b)
{
    double s = 0;
    pid_t pids[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", (int)pids[k]);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char p[400];
            unsigned long long waited;
            snprintf(p, sizeof p, "%s/%s/schedstat", path, e->d_name);
            FILE *f = e->d_name[0] != '.' ? fopen(p, "r") : NULL;
            if (f && fscanf(f, "%*u %llu", &waited) == 1)
                s += (double)waited / 1e9;
            if (f)
                fclose(f);
        }
        if (d)
            closedir(d);
    }
    return s;
}

/* CPU seconds of the children waited for so far (the gateway clients; the daemons are waited
 * for only when they stop) */
static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* RESULT <name>_runq_ms: the daemons' run-queue wait per measured message since *since */
static void runq_result(const char *name, pid_t da, pid_t db, double *since, int msgs)
{
    char res[96];
    double now = runq_wait(da, db);
    snprintf(res, sizeof res, "%s_runq_ms", name);
    if (msgs > 0)
        bench_result(res, (now - *since) * 1000.0 / msgs);
    *since = now;
}

/* Real time, daemon to daemon: alice's daemon sends to bob, bob's daemon notifies a subscriber.
 * RESULT <name>_ms per message (send request written -> bob's notification read) and
 * <name>_timeouts. n messages; with churn, messages go on (at least n) until every gateway
 * client has come and gone, and then n more are measured as <after>. */
static void realtime(int n, const char *name, int churn, const char *after)
{
    char log_a[4300], log_b[4300], res[96];
    snprintf(log_a, sizeof log_a, "%s/daemon-alice-%s.log", dir, name);
    snprintf(log_b, sizeof log_b, "%s/daemon-bob-%s.log", dir, name);
    snprintf(res, sizeof res, "%s_ready_ms", name);
    pid_t da = start_daemon(home_a, log_a), db = start_daemon(home_b, log_b); /* warm at once */
    wait_ready(log_a, res);
    wait_ready(log_b, res);
    static conn_t sub, cmd;
    sub.fd = connect_home(home_b);
    cmd.fd = connect_home(home_a);
    sub.len = cmd.len = 0;
    const char *subscribe = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"subscribe\"}\n";
    if (send(sub.fd, subscribe, strlen(subscribe), MSG_NOSIGNAL) < 0 ||
        wait_line(&sub, "\"subscribed\"", NULL, NULL) != 0)
        bench_die("cannot subscribe to bob's daemon");
    pthread_t th[GW_PARALLEL];
    double runq = runq_wait(da, db), cpu0 = children_cpu();
    for (int t = 0; churn && t < GW_PARALLEL; t++)
        if (pthread_create(&th[t], NULL, churn_worker, NULL) != 0)
            bench_die("cannot start the gateway clients");
    int lost = 0, lost_after = 0, after_from = -1, measured = 0;
    /* bounded: the clients' own runs are bounded (120 s each), and so is the count here */
    for (int i = 0; i < 20000; i++) {
        if (after_from < 0 && i >= n && (!churn || churn_finished())) {
            runq_result(name, da, db, &runq, measured);
            measured = 0;
            if (!after)
                break;
            after_from = i;
        }
        if (after_from >= 0 && i - after_from >= n)
            break;
        snprintf(res, sizeof res, "%s_ms", after_from >= 0 && after ? after : name);
        char req[256], id[65] = "";
        snprintf(req, sizeof req,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"send\",\"params\":{\"recipient\":"
                 "\"bob\",\"text\":\"real time %d\"}}\n",
                 i + 1, i);
        double t0 = bench_mono();
        if (send(cmd.fd, req, strlen(req), MSG_NOSIGNAL) < 0 ||
            wait_line(&cmd, "\"result\"", NULL, id) != 0 || !id[0])
            bench_die("send %d through alice's daemon failed", i);
        char want[80];
        snprintf(want, sizeof want, "\"message_id\":\"%s\"", id);
        if (wait_line(&sub, "\"method\":\"message\"", want, NULL) != 0) {
            *(after_from >= 0 && after ? &lost_after : &lost) += 1;
            continue;
        }
        bench_result(res, (bench_mono() - t0) * 1000.0);
        measured++;
    }
    for (int t = 0; churn && t < GW_PARALLEL; t++)
        pthread_join(th[t], NULL);
    if (after && after_from >= 0)
        runq_result(after, da, db, &runq, measured);
    snprintf(res, sizeof res, "%s_clients_cpu_ms", name);
    if (churn)
        bench_result(res, (children_cpu() - cpu0) * 1000.0 / GW_CLIENTS);
    snprintf(res, sizeof res, "%s_timeouts", name);
    bench_result(res, lost);
    if (after) {
        snprintf(res, sizeof res, "%s_timeouts", after);
        bench_result(res, lost_after);
    }
    close(sub.fd);
    close(cmd.fd);
    if (stop_daemon(da) != 0 || stop_daemon(db) != 0)
        bench_die("a daemon did not stop cleanly (%s, %s)", log_a, log_b);
}

int main(int argc, char **argv)
{
    if (argc < 5)
        bench_die("usage: bench_daemon WORKDIR N GATEWAY_URL|- BOOTSTRAP...");
    atexit(stop_live);
    dir = argv[1];
    int n = atoi(argv[2]);
    gateway = strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
    for (int i = 4; i < argc && n_boot < 8; i++)
        boot[n_boot++] = argv[i];
    snprintf(home_a, sizeof home_a, "%s/daemon-alice", argv[1]);
    snprintf(home_b, sizeof home_b, "%s/daemon-bob", argv[1]);
    snprintf(home_c, sizeof home_c, "%s/oneshot-carol", argv[1]);
    run(home_a, "init", "alice", NULL, 1);
    run(home_b, "init", "bob", NULL, 1);
    run(home_c, "init", "carol", NULL, 1);
    run(home_b, "sync", NULL, NULL, 1); /* publishes bob's identity, remembers the network */
    run(home_a, "sync", NULL, NULL, 1);

    char log[4300];
    snprintf(log, sizeof log, "%s/daemon-alice.log", argv[1]);
    pid_t d = start_daemon(home_a, log);
    wait_ready(log, "daemon_ready_ms");
    for (int i = 0; i < n; i++) /* what starting the command costs at all */
        bench_result("cli_version_ms", run(home_a, "--version", NULL, NULL, 1));
    measure("daemon", home_a, n);
    if (stop_daemon(d) != 0)
        bench_die("the daemon did not stop cleanly (log %s)", log);
    realtime(n, "daemon_rt_fresh", 0, NULL);
    if (gateway) {
        /* the clients' recipient: a third identity, published through the gateway (no native
         * one-shot node joins the network for it) */
        char home_d[4200];
        snprintf(home_d, sizeof home_d, "%s/gw-dave", argv[1]);
        char *init[] = {DNASYNC_CLI_PATH, "--home", home_d, "--gateway",
                        (char *)gateway,  "init",   "dave", NULL};
        proc_result_t r;
        if (proc_run(init, NULL, 120, &r) != 0 || r.exit_code != 0)
            bench_die("dave's init through the gateway failed: %s", r.err ? r.err : "");
        proc_result_free(&r);
        realtime(n, "daemon_rt_gwchurn", 1, "daemon_rt_aftergw");
        churn_base = GW_CLIENTS; /* new clients, new homes */
        churn_next = churn_done = 0;
        churn_idle = 1;
        realtime(n, "daemon_rt_gwchurn_idle", 1, NULL);
        churn_base = churn_idle = 0;
    }
    measure("inproc", home_c, n);
    realtime(n, "daemon_realtime_latency", 0, NULL);
    if (gateway) {
        /* last: bob's mailbox keeps its writers for the rest of the day, so every real-time
         * phase after this one would carry their cost (9b did, in the run of 2026-12-02) */
        clients_send("bob");
        realtime(n, "daemon_rt_bobwriters", 0, NULL);
    }
    return 0;
}
