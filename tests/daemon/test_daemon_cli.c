/* The dnasync command gives the same result through the home's daemon as in its own process
 * (issue 12): one script of commands (sends, inbox, read, delete, sync, status, prune,
 * cache-add, usage errors; text and --json) run first in-process, then with `dnasync daemon`
 * running; outputs and exit codes compared line by line. contacts, verify, link-code, config,
 * bootstrap list, version, help, a refused init and join are in the script too. Message ids and
 * numbers that differ between the two runs by nature (new ids, times, counts) are masked;
 * everything else must be identical. Also: `watch` prints the daemon's notifications as it prints
 * its own events.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "daemon_testutil.h"
#include "testenv.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 48

static char *dir;
static char alice[4200], bob[4200];

/* 64-hex runs become <id>, other digit runs become 0. */
static char *mask(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    CHECK(out);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t h = 0;
        while (i + h < n && isxdigit((unsigned char)s[i + h]))
            h++;
        if (h == 64) {
            memcpy(out + o, "<id>", 4);
            o += 4;
            i += h;
        } else if (isdigit((unsigned char)s[i])) {
            while (i < n && isdigit((unsigned char)s[i]))
                i++;
            out[o++] = '0';
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* The id in the output of a send (text: first 64 chars; json: after "message_id":"). */
static void take_id(const char *out, char id[65])
{
    const char *p = strstr(out, "\"message_id\":\"");
    p = p ? p + 14 : out;
    CHECK(strlen(p) >= 64);
    memcpy(id, p, 64);
    id[64] = '\0';
}

typedef struct run {
    int code[STEPS];
    char *out[STEPS], *err[STEPS];
    int n;
} run_t;

/* A link code is new each time: its characters become <code>. */
static void mask_code(char *s)
{
    char *p = strstr(s, "DNA1-");
    if (!p)
        return;
    p += 5;
    size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-");
    CHECK(n >= 6);
    memcpy(p, "<code>", 6);
    memmove(p + 6, p + n, strlen(p + n) + 1);
}

static void step(run_t *r, proc_result_t p)
{
    CHECK(r->n < STEPS);
    mask_code(p.out);
    r->code[r->n] = p.exit_code;
    r->out[r->n] = mask(p.out);
    r->err[r->n] = mask(p.err);
    r->n++;
    proc_result_free(&p);
}

/* The script; the same commands in both runs, ids taken from this run's sends. */
static void script(run_t *r)
{
    char id1[65], id2[65];
    proc_result_t p = dt_cli(alice, 0, "send", "bob", "first of the script", (char *)NULL);
    take_id(p.out, id1);
    step(r, p);
    p = dt_cli(alice, 1, "send", "bob", "second of the script", (char *)NULL);
    take_id(p.out, id2);
    step(r, p);
    step(r, dt_cli(alice, 0, "inbox", "--limit", "2", (char *)NULL));
    step(r, dt_cli(alice, 1, "inbox", "--limit", "2", (char *)NULL));
    step(r, dt_cli(alice, 0, "read", id1, (char *)NULL));
    step(r, dt_cli(alice, 1, "read", "--share", id1, (char *)NULL));
    step(r, dt_cli(alice, 0, "delete", id2, (char *)NULL));
    step(r, dt_cli(alice, 1, "delete", id1, (char *)NULL));
    step(r, dt_cli(alice, 0, "sync", (char *)NULL));
    step(r, dt_cli(alice, 1, "sync", (char *)NULL));
    step(r, dt_cli(alice, 0, "status", "--days", (char *)NULL));
    step(r, dt_cli(alice, 1, "status", "--days", (char *)NULL));
    step(r, dt_cli(alice, 0, "prune", "--days", "36500", (char *)NULL));
    step(r, dt_cli(alice, 1, "prune", (char *)NULL));
    step(r, dt_cli(alice, 1, "cache-add", "--sender", "carol", "--recipient", "alice", "--text",
                   "imported", "--synced", (char *)NULL));
    step(r, dt_cli(alice, 0, "contacts", (char *)NULL));
    step(r, dt_cli(alice, 1, "contacts", (char *)NULL));
    step(r, dt_cli(alice, 0, "verify", "bob", (char *)NULL));
    step(r, dt_cli(alice, 1, "verify", "bob", (char *)NULL));
    step(r, dt_cli(alice, 1, "link-code", "--passphrase", "same either way", (char *)NULL));
    /* commands that never need the home's node run in-process either way: same result */
    step(r, dt_cli(alice, 0, "config", (char *)NULL));
    step(r, dt_cli(alice, 0, "bootstrap", "list", (char *)NULL));
    step(r, dt_cli(alice, 0, "version", (char *)NULL));
    step(r, dt_cli(alice, 0, "help", "send", (char *)NULL));
    step(r, dt_cli(alice, 0, "init", "alice", (char *)NULL));
    step(r, dt_cli(alice, 0, "join", "DNA1-AAAAAAAAAAAAAAAA", "--passphrase", "twelve bytes+",
                   (char *)NULL));
    /* refused input: the same message, the same exit code, nothing stored */
    step(r, dt_cli(alice, 0, "delete", "zz", (char *)NULL));
    step(r, dt_cli(alice, 1, "delete", "zz", (char *)NULL));
    step(r, dt_cli(alice, 0, "read", (char *)NULL));
    step(r, dt_cli(alice, 0, "send", "bob", "", (char *)NULL));
    step(r, dt_cli(alice, 1, "inbox", "--limit", "x", (char *)NULL));
    step(r, dt_cli(alice, 0, "inbox", "--conversation", "short", (char *)NULL));
    step(r, dt_cli(alice, 0, "send", "nobody-has-this-name", "hello?", (char *)NULL));
    step(r, dt_cli(alice, 1, "read",
                   "00000000000000000000000000000000000000000000000000000000000"
                   "00000",
                   (char *)NULL));
}

/* status reports the runtime it asks: realtime is on while the daemon runs. */
static bool runtime_line(const char *line)
{
    return strstr(line, "realtime") != NULL;
}

static void compare(const run_t *a, const run_t *b)
{
    CHECK_EQ_INT(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        bool same = a->code[i] == b->code[i] && strcmp(a->err[i], b->err[i]) == 0;
        /* stdout line by line, the runtime's own line aside */
        const char *x = a->out[i], *y = b->out[i];
        while (same && (*x || *y)) {
            size_t lx = strcspn(x, "\n"), ly = strcspn(y, "\n");
            char *l1 = strndup(x, lx), *l2 = strndup(y, ly);
            if (strcmp(l1, l2) != 0 && !(runtime_line(l1) && runtime_line(l2))) {
                if (strstr(l1, "\"realtime_enabled\"")) { /* one JSON line: mask the field */
                    char *p = strstr(l1, "\"realtime_enabled\":"),
                         *q = strstr(l2, "\"realtime_enabled\":");
                    same = q && strncmp(l1, l2, (size_t)(p - l1)) == 0 &&
                           strcmp(strchr(p, ','), strchr(q, ',')) == 0;
                } else {
                    same = false;
                }
            }
            free(l1);
            free(l2);
            x += lx + (x[lx] == '\n');
            y += ly + (y[ly] == '\n');
        }
        if (!same) {
            fprintf(stderr, "step %d differs:\n in-process exit %d\n%s%s\n daemon exit %d\n%s%s\n",
                    i, a->code[i], a->out[i], a->err[i], b->code[i], b->out[i], b->err[i]);
            exit(1);
        }
    }
}

static void test_watch_through_daemon(void)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/watch.log", dir);
    char *argv[] = {(char *)DNASYNC_CLI_PATH, "--home", alice, "--json", "watch", NULL};
    pid_t w = proc_spawn(argv, log);
    CHECK(w > 0);
    char *t = proc_wait_for_text(log, "watching through the daemon", 30);
    CHECK(t);
    free(t);
    proc_result_t p = dt_cli(bob, 0, "send", "alice", "for the watcher", (char *)NULL);
    CHECK_EQ_INT(p.exit_code, 0);
    char want[200];
    snprintf(want, sizeof want,
             "{\"event\":\"message\",\"message_id\":\"%.64s\",\"sender\":\"bob\"", p.out);
    proc_result_free(&p);
    t = proc_wait_for_text(log, want, 90);
    if (!t)
        fprintf(stderr, "watch did not print %s\n", want);
    CHECK(t && strstr(t, "\"text\":\"for the watcher\"}"));
    free(t);
    CHECK_EQ_INT(proc_stop(w, 20), 0);
}

int main(void)
{
    dir = test_tmpdir("daemoncli");
    pid_t nodes[2];
    dt_start_nodes(dir, nodes);
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    const char *homes[2] = {alice, bob}, *names[2] = {"alice", "bob"};
    for (int i = 0; i < 2; i++) {
        proc_result_t r = dt_cli(homes[i], 0, "init", names[i], (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        proc_result_free(&r);
        r = dt_cli(homes[i], 0, "sync", (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        proc_result_free(&r);
    }
    static run_t in_process, through_daemon;
    script(&in_process);
    char log[4200];
    snprintf(log, sizeof log, "%s/alice-daemon.log", dir);
    pid_t d = dt_start_daemon(alice, log);
    script(&through_daemon);
    /* the daemon really ran them: its node was the only one (a second would be refused) */
    char *dl = proc_wait_for_text(log, "serving:", 1);
    CHECK(dl);
    free(dl);
    compare(&in_process, &through_daemon);
    RUN(test_watch_through_daemon);
    CHECK_EQ_INT(proc_stop(d, 30), 0);
    for (int i = 0; i < in_process.n; i++) {
        free(in_process.out[i]), free(in_process.err[i]);
        free(through_daemon.out[i]), free(through_daemon.err[i]);
    }
    CHECK_EQ_INT(proc_stop(nodes[1], 10), 0);
    CHECK_EQ_INT(proc_stop(nodes[0], 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
