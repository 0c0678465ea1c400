/* kill -9 at every step of an upload, >= 100 trials: every message, deletion and shared receipt
 * reaches the other devices, and no device reports a day verified while it misses one (issue 10,
 * D4). Real processes: two `dnasync node`s; alice's desktop runs dnasync_killable (the command
 * built with tests/sync/killpoint_hook.c) so each operation dies by SIGKILL at a chosen step of
 * the upload path; then an ordinary `dnasync sync` restarts it. bob and alice's second device
 * (homes made by the command) stay open in this process, each with its own DHT node, and check
 * with one sync pass at a time: their nodes stay up, so the loop does not pay for departed
 * processes (README, short-lived device nodes). DNASYNC_KILL_TRIALS=N runs N trials (default
 * 100). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dnasync/home.h"
#include "proc.h"
#include "testenv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PASS "outbox test passphrase"
#define MAX_TRIALS 2000
#define CHECK_ROUNDS 50 /* passes of a checking device (100 ms apart) before a value is lost */

static char boot[2][64];
static pid_t nodes[2];
static const char *steps[] = {"record", "put", "flag", "summary", "bell", NULL};
static int kills[6];

/* bin --home home --json --bootstrap .. --bootstrap .. args...; kill_at set as DNASYNC_KILL_AT */
static proc_result_t run(const char *bin, const char *home, const char *kill_at, ...)
{
    char *argv[24];
    int n = 0;
    argv[n++] = (char *)bin;
    argv[n++] = "--home";
    argv[n++] = (char *)home;
    argv[n++] = "--json";
    for (int i = 0; i < 2; i++) {
        argv[n++] = "--bootstrap";
        argv[n++] = boot[i];
    }
    va_list ap;
    va_start(ap, kill_at);
    const char *a;
    while (n < 23 && (a = va_arg(ap, const char *)))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char env_kill[64];
    snprintf(env_kill, sizeof env_kill, "DNASYNC_KILL_AT=%s", kill_at ? kill_at : "");
    char *env[] = {env_kill, NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, kill_at ? env : NULL, 60, &r), 0);
    return r;
}

static void ok(proc_result_t r, const char *what)
{
    if (r.exit_code != 0) {
        fprintf(stderr, "%s: exit %d: %s%s\n", what, r.exit_code, r.out, r.err);
        exit(1);
    }
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

/* A checking device: its open home, what it must end up with and what it has seen so far. */
typedef struct device {
    const char *name;
    dnasync_home_t *h;
    sync_context_t *sync;
    size_t want_msgs, want_dels, want_reads; /* confirmed on alice's side */
    size_t got_msgs, got_dels;               /* sums of its passes' downloaded / deleted */
} device_t;

static void open_device(device_t *d, const char *name, const char *home)
{
    const char *bs[2] = {boot[0], boot[1]};
    dnasync_home_options_t opt = {.bootstrap = bs, .n_bootstrap = 2, .network = true};
    char err[512];
    if (dnasync_home_open(home, &opt, &d->h, err, sizeof err) != 0) {
        fprintf(stderr, "open %s: %s\n", home, err);
        exit(1);
    }
    d->name = name;
    d->sync = dnasync_home_sync(d->h);
}

/* Messages of d that show as read (receipts arrived). */
static size_t read_count(device_t *d)
{
    message_info_t *msgs = NULL;
    size_t n = 0, reads = 0;
    CHECK_EQ_INT(sync_list_messages(d->sync, NULL, 100000, &msgs, &n), 0);
    for (size_t i = 0; i < n; i++)
        reads += strcmp(msgs[i].status, "read") == 0;
    sync_free_messages(msgs, n);
    return reads;
}

/* Sync d until it holds everything it should (bounded). Before that, a day must never be
 * verified: that would be the lost summary of D4. */
static void check_device(device_t *d, int trial)
{
    for (int round = 0; round < CHECK_ROUNDS; round++) {
        if (round > 0) {
            struct timespec pause = {0, 100 * 1000 * 1000}; /* a value just put spreads */
            nanosleep(&pause, NULL);
        }
        size_t down = 0, del = 0;
        if (sync_pass(d->sync, NULL, &down, &del) != 0) {
            fprintf(stderr, "trial %d: %s: sync: %s\n", trial, d->name, sync_errmsg(d->sync));
            exit(1);
        }
        d->got_msgs += down;
        d->got_dels += del;
        size_t reads = d->want_reads ? read_count(d) : 0;
        sync_status_t st;
        CHECK_EQ_INT(sync_get_status(d->sync, &st), 0);
        if (d->got_msgs == d->want_msgs && d->got_dels == d->want_dels && reads == d->want_reads)
            return;
        if (st.verified_days == st.window_days) {
            fprintf(stderr,
                    "trial %d: %s reports %u of %u days verified but holds %zu of %zu messages, "
                    "%zu of %zu deletions, %zu of %zu receipts\n",
                    trial, d->name, st.verified_days, st.window_days, d->got_msgs, d->want_msgs,
                    d->got_dels, d->want_dels, reads, d->want_reads);
            exit(1);
        }
    }
    fprintf(stderr, "trial %d: %s still misses values after %d passes (%zu/%zu messages)\n", trial,
            d->name, CHECK_ROUNDS, d->got_msgs, d->want_msgs);
    exit(1);
}

int main(void)
{
    int trials = 100;
    const char *t = getenv("DNASYNC_KILL_TRIALS");
    if (t && atoi(t) > 0)
        trials = atoi(t) < MAX_TRIALS ? atoi(t) : MAX_TRIALS;
    char *dir = test_tmpdir("outbox");
    nodes[0] = start_node(dir, "node1", NULL, boot[0]);
    nodes[1] = start_node(dir, "node2", boot[0], boot[1]);
    char alice[4200], alice2[4200], bob[4200];
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(alice2, sizeof alice2, "%s/alice2", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    proc_result_t r = run(DNASYNC_CLI_PATH, alice, NULL, "init", "alice", (char *)NULL);
    ok(r, "init alice");
    proc_result_free(&r);
    r = run(DNASYNC_CLI_PATH, bob, NULL, "init", "bob", (char *)NULL);
    ok(r, "init bob");
    proc_result_free(&r);
    r = run(DNASYNC_CLI_PATH, alice, NULL, "link-code", "--passphrase", PASS, (char *)NULL);
    ok(r, "link-code");
    char code[4096];
    const char *c = strstr(r.out, "\"code\":\"");
    CHECK(c && sscanf(c + 8, "%4095[A-Z0-9-]", code) == 1);
    proc_result_free(&r);
    r = run(DNASYNC_CLI_PATH, alice2, NULL, "join", code, "--passphrase", PASS, (char *)NULL);
    ok(r, "join");
    proc_result_free(&r);
    device_t dev_bob, dev_a2;
    memset(&dev_bob, 0, sizeof dev_bob);
    memset(&dev_a2, 0, sizeof dev_a2);
    open_device(&dev_bob, "bob", bob);
    open_device(&dev_a2, "alice2", alice2);
    check_device(&dev_bob, -1); /* publishes bob's identity */
    check_device(&dev_a2, -1);
    char(*ids)[65] = calloc((size_t)trials, sizeof *ids);
    char *was_read = calloc((size_t)trials, 1);
    CHECK(ids && was_read);
    /* deletions take the oldest message not read, receipts the newest: every receipt stays
     * on a visible message, so alice2's read count is the number of receipts */
    int n_ids = 0, next_delete = 0;
    for (int i = 0; i < trials; i++) {
        int op = i % 10;                            /* 0-6, 9: send; 7: delete; 8: read --share */
        const char *step = steps[(i / 10 + i) % 6]; /* every step meets every operation */
        while (next_delete < n_ids && was_read[next_delete])
            next_delete++;
        int is_delete = op == 7 && next_delete < n_ids;
        int is_read = op == 8 && n_ids > 0 && !was_read[n_ids - 1] && next_delete < n_ids - 1;
        char text[32];
        snprintf(text, sizeof text, "message %d", i);
        if (is_delete)
            r = run(DNASYNC_KILLABLE_PATH, alice, step, "delete", ids[next_delete++], (char *)NULL);
        else if (is_read) {
            was_read[n_ids - 1] = 1;
            r = run(DNASYNC_KILLABLE_PATH, alice, step, "read", ids[n_ids - 1], "--share",
                    (char *)NULL);
        } else
            r = run(DNASYNC_KILLABLE_PATH, alice, step, "send", "bob", text, (char *)NULL);
        if (r.exit_code == 128 + 9) {
            kills[(i / 10 + i) % 6]++;
        } else if (r.exit_code != 0) {
            fprintf(stderr, "trial %d (%s at %s): exit %d: %s%s\n", i, is_delete ? "delete" : "op",
                    step ? step : "-", r.exit_code, r.out, r.err);
            exit(1);
        }
        if (!is_delete && !is_read) {
            /* a killed send printed nothing: its id (stored before any upload step) is the
             * newest in the cache */
            if (r.exit_code != 0) {
                proc_result_free(&r);
                r = run(DNASYNC_CLI_PATH, alice, NULL, "inbox", "--limit", "1", (char *)NULL);
                ok(r, "inbox");
            }
            const char *p = strstr(r.out, "\"message_id\":\"");
            CHECK(p != NULL);
            memcpy(ids[n_ids], p + 14, 64);
            ids[n_ids++][64] = '\0';
        }
        proc_result_free(&r);
        /* the restart: sometimes itself killed after its summary put, then a clean one */
        if (i % 4 == 2) {
            r = run(DNASYNC_KILLABLE_PATH, alice, "summary", "sync", (char *)NULL);
            CHECK(r.exit_code == 0 || r.exit_code == 128 + 9);
            proc_result_free(&r);
        }
        /* the restart proper: alice's home opened here (sync_init, first pass), and kept open
         * while the others check, so her DHT node is up while they read */
        device_t dev_a;
        memset(&dev_a, 0, sizeof dev_a);
        open_device(&dev_a, "alice", alice);
        if (sync_pass(dev_a.sync, NULL, NULL, NULL) != 0) {
            fprintf(stderr, "trial %d: alice restart: %s\n", i, sync_errmsg(dev_a.sync));
            exit(1);
        }
        sync_status_t st;
        CHECK_EQ_INT(sync_get_status(dev_a.sync, &st), 0);
        CHECK_EQ_INT(st.pending_uploads, 0);
        CHECK_EQ_INT(st.pending_tombstones, 0);
        if (is_delete) {
            dev_a2.want_dels++;
        } else if (is_read) {
            dev_a2.want_reads++;
        } else {
            dev_bob.want_msgs++;
            dev_a2.want_msgs++;
            check_device(&dev_bob, i);
        }
        check_device(&dev_a2, i);
        dnasync_home_free(dev_a.h); /* the next trial's command takes alice's home */
    }
    for (int s = 0; s < 5; s++) {
        printf("killed at %-8s %d times\n", steps[s], kills[s]);
        CHECK(trials < 50 || kills[s] > 0); /* every step was really reached and killed */
    }
    printf("%d trials: %zu messages on both devices, %zu deletions and %zu receipts on alice2\n",
           trials, dev_bob.want_msgs, dev_a2.want_dels, dev_a2.want_reads);
    dnasync_home_free(dev_bob.h);
    dnasync_home_free(dev_a2.h);
    free(ids);
    free(was_read);
    for (int k = 1; k >= 0; k--)
        CHECK_EQ_INT(proc_stop(nodes[k], 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
