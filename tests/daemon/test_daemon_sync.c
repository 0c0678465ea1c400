/* Sync progress and global options through the home's daemon (issue 12), with real processes on
 * loopback: two `dnasync node`s, alice's first device (in-process), a reference device
 * (in-process) and a device run by `dnasync daemon --profile mobile` (no real-time wake-ups:
 * after its first pass it syncs only when asked, for minutes).
 *  - A catch-up of 400 messages (~122 values: uploaded in one pass, they are bundled, one value
 *    per shard they fall in; progress counts values): `sync` through the socket prints the same
 * progress lines (pipe form) and, with --json, the same {"progress":...} objects before the result
 * as the reference device in its own process; a subscriber gets `progress` notifications up to
 *    "total of total" and `day_verified` for the days the pass verified.
 *  - Global options of a command sent to the daemon: one that asks for what the daemon has is
 *    accepted; one it cannot honour (--profile, --port, --bootstrap, --gateway) is refused with
 *    exit 2 and a message naming it, never ignored, and nothing is stored; `watch` too. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "daemon_testutil.h"
#include "dnasync/home.h"
#include "sync/sync_cache_add.h"
#include "testenv.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_MESSAGES 400
#define MIN_VALUES 100 /* progress is reported from this many values missing */

static char *dir;
static char origin[4200], ref[4200], dev[4200];
static pid_t daemon_pid;

static void ok(proc_result_t r, const char *what)
{
    if (r.exit_code != 0)
        fprintf(stderr, "%s: exit %d: out=%s err=%s\n", what, r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

/* dnasync --home HOME ARGS... without the helper's --bootstrap options. */
static proc_result_t raw(const char *home, const char *a, const char *b, const char *c,
                         const char *d, const char *e)
{
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "--home",
                    (char *)home,
                    (char *)a,
                    (char *)b,
                    (char *)c,
                    (char *)d,
                    (char *)e,
                    NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 90, &r), 0);
    return r;
}

/* N_MESSAGES new messages on the origin device, uploaded by its `dnasync sync`. They go into
 * its cache through the library (what `cache-add` does, without 400 processes: the batches
 * must be up well within the daemon's quiet minutes, also under ASan on a busy machine). */
static void upload_batch(const char *tag)
{
    dnasync_home_options_t opt = {.network = false};
    dnasync_home_t *h = NULL;
    char err[512];
    if (dnasync_home_open(origin, &opt, &h, err, sizeof err) != 0)
        fprintf(stderr, "open %s: %s\n", origin, err);
    CHECK(h);
    for (int i = 0; i < N_MESSAGES; i++) {
        char text[64], id[DNASYNC_ID_HEX_LEN + 1];
        snprintf(text, sizeof text, "%s %d", tag, i);
        CHECK_EQ_INT(
            sync_cache_add_text(dnasync_home_sync(h), "alice", "alice", text, 0, false, id), 0);
    }
    dnasync_home_free(h);
    ok(dt_cli(origin, 0, "sync", (char *)NULL), "upload");
}

/* Digit runs become 0: counts and times may differ, the lines may not. */
static char *mask(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    CHECK(out);
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        if (isdigit((unsigned char)s[i])) {
            while (isdigit((unsigned char)s[i]))
                i++;
            out[o++] = '0';
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* The last "catching up: D of T values" report: T, and D == T. */
static size_t final_total(const char *text)
{
    const char *last = NULL;
    for (const char *p = text; (p = strstr(p, "catching up: ")); p++)
        last = p;
    size_t done = 0, total = 0;
    if (!last || sscanf(last, "catching up: %zu of %zu values", &done, &total) != 2 ||
        done != total)
        return 0;
    return total;
}

static size_t final_json_total(const char *out)
{
    const char *last = NULL;
    for (const char *p = out; (p = strstr(p, "{\"progress\":")); p++)
        last = p;
    size_t done = 0, total = 0;
    if (!last ||
        sscanf(last, "{\"progress\":{\"step\":\"catching up\",\"done\":%zu,\"total\":%zu", &done,
               &total) != 2 ||
        done != total)
        return 0;
    return total;
}

static void same(const char *what, const proc_result_t *a, const proc_result_t *b)
{
    char *ao = mask(a->out), *bo = mask(b->out), *ae = mask(a->err), *be = mask(b->err);
    bool eq = a->exit_code == b->exit_code && strcmp(ao, bo) == 0 && strcmp(ae, be) == 0;
    if (!eq)
        fprintf(stderr,
                "%s differs:\n in-process exit %d\n%s%s\n through the daemon exit %d\n%s%s\n", what,
                a->exit_code, a->out, a->err, b->exit_code, b->out, b->err);
    CHECK(eq);
    free(ao), free(bo), free(ae), free(be);
}

/* Every day of the device's mailbox unverified again (as on a device that was away), so the
 * next pass verifies them and the daemon has day_verified to tell. */
static void forget_verified_days(void)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/cache.db", dev);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    CHECK_EQ_INT(
        sqlite3_exec(db, "UPDATE sync_days SET verified = 0, closed = 0", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK(sqlite3_changes(db) > 0);
    sqlite3_close(db);
}

/* What `sync` printed as downloaded (text or --json). */
static size_t downloaded(const proc_result_t *r)
{
    const char *p = strstr(r->out, "downloaded");
    size_t n = 0;
    if (!p || sscanf(p + 10, "%*[\": ]%zu", &n) != 1)
        return 0;
    return n;
}

/* A new batch from the origin, then `sync` on the reference device (in-process) and through
 * the daemon. The daemon's own background pass runs only when one failed (a retry under load)
 * or minutes later; should it have fetched part of the batch first, the comparison would not be
 * of the same work, so a new batch is tried (bounded). */
static void sync_both(int json, proc_result_t *in, proc_result_t *via)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        static int batch;
        char tag[32];
        snprintf(tag, sizeof tag, "batch %d", ++batch);
        upload_batch(tag);
        *in = dt_cli(ref, json, "sync", (char *)NULL);
        *via = dt_cli(dev, json, "sync", (char *)NULL);
        if (downloaded(in) == N_MESSAGES && downloaded(via) == N_MESSAGES)
            return;
        fprintf(stderr, "   a background pass took part of %s (downloaded %zu / %zu): again\n", tag,
                downloaded(in), downloaded(via));
        proc_result_free(in);
        proc_result_free(via);
    }
    FAIL("the daemon's command never fetched a whole batch itself");
}

static json_t *call(const char *home, const char *line)
{
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, home), 0);
    json_t *r = dt_call(&c, line, 120);
    dt_close(&c);
    CHECK(r && json_object_get(r, "result"));
    return r;
}

/* Reads the subscription until it saw progress up to total of total and day_verified for
 * today (bounded). */
static void expect_notifications(dt_conn_t *sub, size_t total)
{
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    bool progress_done = false, day = false;
    size_t reports = 0, days = 0;
    for (int i = 0; i < 10000 && !(progress_done && day); i++) {
        json_t *n = dt_json(sub, 60);
        if (!n)
            break;
        const char *m = json_string_value(json_object_get(n, "method"));
        json_t *p = json_object_get(n, "params");
        if (m && strcmp(m, "progress") == 0) {
            reports++;
            json_int_t d = json_integer_value(json_object_get(p, "done"));
            json_int_t t = json_integer_value(json_object_get(p, "total"));
            progress_done |= d == t && (size_t)t == total;
        } else if (m && strcmp(m, "day_verified") == 0) {
            days++;
            day |= strcmp(json_string_value(json_object_get(p, "day")), today) == 0;
        }
        json_decref(n);
    }
    fprintf(stderr, "   subscriber: %zu progress reports, %zu day_verified\n", reports, days);
    CHECK(progress_done);
    CHECK(day);
}

static void test_progress_text(void)
{
    dt_conn_t sub;
    CHECK_EQ_INT(dt_connect(&sub, dev), 0);
    json_t *r = dt_call(&sub, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    CHECK(r && json_is_true(json_object_get(json_object_get(r, "result"), "subscribed")));
    json_decref(r);
    forget_verified_days();
    /* a request makes the daemon look at the days: none verified now */
    json_decref(call(dev, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"status\"}"));
    proc_result_t in, via;
    sync_both(0, &in, &via);
    size_t total = final_total(in.err);
    fprintf(stderr, "   in-process: %s   through the daemon: %s", in.err, via.err);
    CHECK(total >= MIN_VALUES);
    CHECK_EQ_INT(final_total(via.err), total);
    same("sync", &in, &via);
    proc_result_free(&in);
    proc_result_free(&via);
    expect_notifications(&sub, total);
    dt_close(&sub);
}

static void test_progress_json(void)
{
    proc_result_t in, via;
    sync_both(1, &in, &via);
    size_t total = final_json_total(in.out);
    CHECK(total >= MIN_VALUES);
    CHECK_EQ_INT(final_json_total(via.out), total);
    CHECK(strstr(via.out, "{\"progress\":") < strstr(via.out, "{\"uploaded\":"));
    same("sync --json", &in, &via);
    proc_result_free(&in);
    proc_result_free(&via);
}

/* A refused global option: exit 2, the option named, the daemon's pid given. */
static void refused(proc_result_t r, const char *option)
{
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)daemon_pid);
    bool good = r.exit_code == 2 && strstr(r.err, option) && strstr(r.err, pid) &&
                strncmp(r.err, "dnasync: ", 9) == 0;
    if (!good)
        fprintf(stderr, "%s through the daemon: exit %d, out=%s err=%s\n", option, r.exit_code,
                r.out, r.err);
    CHECK(good);
    proc_result_free(&r);
}

static void test_global_options(void)
{
    ok(raw(dev, "--profile", "mobile", "status", NULL, NULL), "--profile mobile");
    ok(raw(dev, "--port", "0", "status", NULL, NULL), "--port 0");
    ok(dt_cli(dev, 0, "status", (char *)NULL), "the saved --bootstrap nodes");
    refused(raw(dev, "--profile", "desktop", "status", NULL, NULL), "--profile desktop");
    refused(raw(dev, "--port", "1", "status", NULL, NULL), "--port 1");
    refused(raw(dev, "--bootstrap", "127.0.0.1:9", "status", NULL, NULL),
            "--bootstrap 127.0.0.1:9");
    refused(raw(dev, "--gateway", "http://127.0.0.1:9", "status", NULL, NULL),
            "--gateway http://127.0.0.1:9");
    /* watch goes through the daemon too: refused at once, not left watching */
    char *argv[] = {(char *)DNASYNC_CLI_PATH, "--home", dev, "--port", "1", "watch", NULL};
    proc_result_t w;
    CHECK_EQ_INT(proc_run(argv, NULL, 20, &w), 0);
    refused(w, "--port 1");
    /* a refused send stores nothing; with --json the error is the JSON usage error */
    proc_result_t r = raw(dev, "--json", "--profile=desktop", "send", "alice", "never stored");
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(strncmp(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"--profile desktop", 52) ==
          0);
    CHECK_EQ_STR(r.err, "");
    proc_result_free(&r);
    r = raw(dev, "inbox", "--limit", "100000", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(!strstr(r.out, "never stored"));
    proc_result_free(&r);
}

int main(void)
{
    dir = test_tmpdir("daemonsync");
    pid_t nodes[2];
    dt_start_nodes(dir, nodes);
    snprintf(origin, sizeof origin, "%s/alice-origin", dir);
    snprintf(ref, sizeof ref, "%s/alice-ref", dir);
    snprintf(dev, sizeof dev, "%s/alice-dev", dir);
    ok(dt_cli(origin, 0, "init", "alice", (char *)NULL), "init");
    upload_batch("first batch");
    proc_result_t r =
        dt_cli(origin, 1, "link-code", "--passphrase", "daemon sync pass", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char code[1024];
    CHECK(sscanf(r.out, "{\"code\":\"%1000[^\"]", code) == 1);
    proc_result_free(&r);
    ok(dt_cli(ref, 0, "join", code, "--passphrase", "daemon sync pass", (char *)NULL), "join ref");
    ok(dt_cli(dev, 0, "join", code, "--passphrase", "daemon sync pass", (char *)NULL), "join dev");
    ok(dt_cli(ref, 0, "sync", (char *)NULL), "ref catch-up");
    char log[4200];
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    const char *opts[] = {"--profile", "mobile", NULL};
    daemon_pid = dt_start_daemon_with(dev, log, opts);
    /* Its first pass (the catch-up of the first batch) is over when it says ready, and the next
     * periodic one is some 300 s away. An answered request proves nothing: a sync request that
     * takes the engine's lock before the background thread's first tick runs first, and that
     * pass then re-verified days while test_progress_text had just unverified them (seen in 1
     * of 30 runs: no day_verified for today). The sync request still catches up what a failed
     * first pass left. */
    char *ready = proc_wait_for_text(log, "(first pass done;", 120);
    CHECK(ready);
    free(ready);
    json_decref(call(dev, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sync\"}"));

    RUN(test_progress_text);
    RUN(test_progress_json);
    RUN(test_global_options);

    CHECK_EQ_INT(proc_stop(daemon_pid, 30), 0);
    CHECK_EQ_INT(proc_stop(nodes[1], 10), 0);
    CHECK_EQ_INT(proc_stop(nodes[0], 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
