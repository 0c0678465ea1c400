/* The device daemon through its socket (docs/rpc.md), with real processes on loopback: two
 * `dnasync node`s, alice's and bob's daemons. JSON-RPC errors (malformed JSON, unknown
 * method, wrong params, oversized line), a second daemon refused, another uid refused,
 * notifications for a message from another identity's device and a receipt from this
 * identity's other device, a message sent and deleted on this identity's other device, a
 * subscriber that stops reading dropped without stalling sends, and kill -9 of a daemon while
 * sends are in flight losing nothing (its stale lock taken over by the next daemon). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "daemon_testutil.h"
#include "testenv.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static char alice[4200], bob[4200], alice_log[4200], bob_log[4200];
static pid_t alice_d, bob_d;
static char from_bob[65]; /* a message bob sent alice (test_notification_from_other_device) */

static long error_code(json_t *resp)
{
    json_t *e = json_object_get(resp, "error");
    if (!json_is_object(e)) {
        char *s = json_dumps(resp, 0);
        fprintf(stderr, "expected an error, got %s\n", s ? s : "(nothing)");
        free(s);
        exit(1);
    }
    return (long)json_integer_value(json_object_get(e, "code"));
}

static json_t *result(json_t *resp)
{
    json_t *r = json_object_get(resp, "result");
    if (!r) {
        char *s = json_dumps(resp, 0);
        fprintf(stderr, "expected a result, got %s\n", s ? s : "(nothing)");
        free(s);
        exit(1);
    }
    return r;
}

static void test_rpc_errors(void)
{
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, alice), 0);
    json_t *r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", 30);
    CHECK_EQ_INT(error_code(r), -32700);
    CHECK(json_is_null(json_object_get(r, "id")));
    json_decref(r);
    r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"frobnicate\"}", 30);
    CHECK_EQ_INT(error_code(r), -32601);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "id")), 2);
    json_decref(r);
    r = dt_call(&c, "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"status\"}", 30);
    CHECK_EQ_INT(error_code(r), -32600);
    json_decref(r);
    r = dt_call(&c,
                "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"send\",\"params\":{\"recipient\":7,"
                "\"text\":\"x\"}}",
                30);
    CHECK_EQ_INT(error_code(r), -32602);
    CHECK(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
                 "recipient"));
    json_decref(r);
    r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"read\",\"params\":{}}", 30);
    CHECK_EQ_INT(error_code(r), -32602);
    json_decref(r);
    r = dt_call(&c,
                "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"delete\",\"params\":{\"message_id\":"
                "\"zz\"}}",
                30);
    CHECK_EQ_INT(error_code(r), 1); /* the command's usage error */
    json_decref(r);
    /* A line over the limit: an error, and the connection still serves the next line. */
    size_t big = 300 * 1024;
    char *line = malloc(big + 1);
    CHECK(line);
    memset(line, 'x', big);
    line[big] = '\0';
    dt_send(&c, line);
    free(line);
    r = dt_json(&c, 30);
    CHECK(r);
    CHECK_EQ_INT(error_code(r), -32001);
    json_decref(r);
    r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"status\"}", 30);
    CHECK_EQ_STR(json_string_value(json_object_get(result(r), "name")), "alice");
    json_decref(r);
    dt_close(&c);
}

/* link_code: a passphrase and how long the code stays valid (the CLI's --expires). */
static void test_link_code(void)
{
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, alice), 0);
    json_t *r = dt_call(&c,
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"link_code\",\"params\":{"
                        "\"passphrase\":\"long enough pass\",\"expires\":3600}}",
                        60);
    const char *code = json_string_value(json_object_get(result(r), "code"));
    CHECK(code && strncmp(code, "DNA1-", 5) == 0);
    json_decref(r);
    r = dt_call(&c,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"link_code\",\"params\":{"
                "\"passphrase\":\"long enough pass\",\"expires\":0}}",
                60);
    CHECK_EQ_INT(error_code(r), 1); /* the command's usage error */
    CHECK(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
                 "--expires"));
    json_decref(r);
    r = dt_call(&c,
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"link_code\",\"params\":{"
                "\"passphrase\":\"long enough pass\",\"expires\":604801}}",
                60);
    CHECK_EQ_INT(error_code(r), -32602);
    json_decref(r);
    dt_close(&c);
}

static void test_second_daemon_refused(void)
{
    proc_result_t r = dt_cli(alice, 0, "daemon", (char *)NULL);
    char want[128];
    snprintf(want, sizeof want, "in use by `dnasync daemon` (pid %ld)", (long)alice_d);
    if (r.exit_code != 1 || !strstr(r.err, want)) {
        fprintf(stderr, "second daemon: exit %d, %s%s\n", r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
    /* the first one still serves */
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, alice), 0);
    json_t *s = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}", 30);
    CHECK(json_object_get(result(s), "pending_uploads"));
    json_decref(s);
    dt_close(&c);
}

/* The example client run as `nobody`; its exit code (3: could not talk to the daemon). */
static int client_as_nobody(const char *sock)
{
    char *argv[] = {"setpriv", "--reuid=65534",         "--regid=65534", "--clear-groups",
                    "--",      (char *)RPC_CLIENT_PATH, (char *)sock,    "status",
                    NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 30, &r), 0);
    int code = r.exit_code;
    CHECK(!strstr(r.out, "alice")); /* nothing of the daemon's reached it */
    proc_result_free(&r);
    return code;
}

static void test_other_uid_refused(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "   (skipped: needs root to run a client as nobody)\n");
        return;
    }
    char sock[4300];
    snprintf(sock, sizeof sock, "%s/dnasync.sock", alice);
    struct stat st;
    CHECK_EQ_INT(stat(sock, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(client_as_nobody(sock), 3); /* the socket's mode stops it */
    /* A home opened up by mistake: the peer-uid check still refuses. */
    CHECK_EQ_INT(chmod(dir, 0711), 0);
    CHECK_EQ_INT(chmod(alice, 0711), 0);
    CHECK_EQ_INT(chmod(sock, 0666), 0);
    CHECK_EQ_INT(client_as_nobody(sock), 3);
    char *log = proc_wait_for_text(alice_log, "refused a client of uid 65534", 30);
    CHECK(log);
    free(log);
    CHECK_EQ_INT(chmod(sock, 0600), 0);
    CHECK_EQ_INT(chmod(alice, 0700), 0);
    CHECK_EQ_INT(chmod(dir, 0700), 0);
}

static char *send_via(const char *home, const char *to, const char *text)
{
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, home), 0);
    json_t *req = json_pack("{s:s,s:i,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0", "id", 1, "method",
                            "send", "params", "recipient", to, "text", text);
    char *line = json_dumps(req, JSON_COMPACT);
    json_t *r = dt_call(&c, line, 90);
    free(line);
    json_decref(req);
    char *id = strdup(json_string_value(json_object_get(result(r), "message_id")));
    json_decref(r);
    dt_close(&c);
    return id;
}

/* Wait (bounded) on a subscription for a message notification with this id. */
static json_t *wait_message(dt_conn_t *sub, const char *id)
{
    for (int i = 0; i < 10000; i++) {
        json_t *n = dt_json(sub, 90);
        if (!n)
            return NULL;
        json_t *p = json_object_get(n, "params");
        if (json_is_string(json_object_get(n, "method")) &&
            strcmp(json_string_value(json_object_get(n, "method")), "message") == 0 &&
            strcmp(json_string_value(json_object_get(p, "message_id")), id) == 0)
            return n;
        json_decref(n);
    }
    return NULL;
}

static void test_notification_from_other_device(void)
{
    dt_conn_t sub;
    CHECK_EQ_INT(dt_connect(&sub, alice), 0);
    json_t *r = dt_call(&sub, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    CHECK(json_is_true(json_object_get(result(r), "subscribed")));
    json_decref(r);
    char *id = send_via(bob, "alice", "hello alice, from bob's daemon");
    json_t *n = wait_message(&sub, id);
    CHECK(n);
    json_t *p = json_object_get(n, "params");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "sender")), "bob");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "text")), "hello alice, from bob's daemon");
    json_decref(n);
    snprintf(from_bob, sizeof from_bob, "%s", id);
    free(id);
    dt_close(&sub);
}

/* alice's second device (joined by link code, its own daemon) is told when the first one
 * reads a message with --share. */
static void test_receipt_from_other_device(void)
{
    char alice2[4300], log2[4300];
    snprintf(alice2, sizeof alice2, "%s/alice2", dir);
    snprintf(log2, sizeof log2, "%s/alice2-daemon.log", dir);
    proc_result_t r =
        dt_cli(alice, 1, "link-code", "--passphrase", "daemon test pass", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char code[1024];
    const char *c = strstr(r.out, "\"code\":\"");
    CHECK(c && sscanf(c + 8, "%1023[^\"]", code) == 1);
    proc_result_free(&r);
    r = dt_cli(alice2, 0, "join", code, "--passphrase", "daemon test pass", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    r = dt_cli(alice2, 0, "sync", (char *)NULL); /* remembers the bootstrap nodes for its daemon */
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    pid_t d2 = dt_start_daemon(alice2, log2);
    dt_conn_t sub;
    CHECK_EQ_INT(dt_connect(&sub, alice2), 0);
    json_t *j = dt_call(&sub, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    json_decref(j);
    dt_conn_t a;
    CHECK_EQ_INT(dt_connect(&a, alice), 0);
    char req[300];
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"read\",\"params\":{\"message_id\":\"%s\","
             "\"share\":true}}",
             from_bob);
    j = dt_call(&a, req, 90);
    CHECK(json_is_true(json_object_get(result(j), "shared")));
    json_decref(j);
    dt_close(&a);
    /* the doorbell wakes alice2 at once; a sync through its socket makes sure */
    dt_conn_t s2;
    CHECK_EQ_INT(dt_connect(&s2, alice2), 0);
    j = dt_call(&s2, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sync\"}", 120);
    json_decref(j);
    dt_close(&s2);
    bool got = false;
    json_t *n;
    while (!got && (n = dt_json(&sub, 90)) != NULL) {
        const char *m = json_string_value(json_object_get(n, "method"));
        const char *id =
            json_string_value(json_object_get(json_object_get(n, "params"), "message_id"));
        got = m && id && strcmp(m, "receipt") == 0 && strcmp(id, from_bob) == 0;
        json_decref(n);
    }
    CHECK(got);
    dt_close(&sub);

    /* A message alice2 sends (to bob) and then deletes: alice's daemon tells its subscriber
     * of both, the message as it arrives and the deletion once applied. */
    dt_conn_t suba;
    CHECK_EQ_INT(dt_connect(&suba, alice), 0);
    j = dt_call(&suba, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    json_decref(j);
    char *mine = send_via(alice2, "bob", "from alice's second device");
    n = wait_message(&suba, mine);
    CHECK(n);
    json_t *p = json_object_get(n, "params");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "sender")), "alice");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "recipient")), "bob");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "text")), "from alice's second device");
    json_decref(n);
    CHECK_EQ_INT(dt_connect(&s2, alice2), 0);
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"delete\",\"params\":{\"message_id\":"
             "\"%s\"}}",
             mine);
    j = dt_call(&s2, req, 90);
    CHECK(json_is_string(json_object_get(result(j), "deleted")));
    json_decref(j);
    dt_close(&s2);
    CHECK_EQ_INT(dt_connect(&a, alice), 0); /* as above: a sync makes sure */
    j = dt_call(&a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sync\"}", 120);
    json_decref(j);
    dt_close(&a);
    got = false;
    while (!got && (n = dt_json(&suba, 90)) != NULL) {
        const char *m = json_string_value(json_object_get(n, "method"));
        const char *id =
            json_string_value(json_object_get(json_object_get(n, "params"), "message_id"));
        got = m && id && strcmp(m, "deleted") == 0 && strcmp(id, mine) == 0;
        json_decref(n);
    }
    CHECK(got);
    free(mine);
    dt_close(&suba);
    CHECK_EQ_INT(proc_stop(d2, 30), 0);
}

/* Counts message notifications on a subscription until `want` or EOF (its own thread, so it
 * keeps reading while the main thread sends). */
typedef struct reader {
    dt_conn_t conn;
    int want, seen;
} reader_t;

static void *read_messages(void *arg)
{
    reader_t *r = arg;
    json_t *n;
    while (r->seen < r->want && (n = dt_json(&r->conn, 120)) != NULL) {
        const char *m = json_string_value(json_object_get(n, "method"));
        r->seen += m && strcmp(m, "message") == 0;
        json_decref(n);
    }
    return NULL;
}

static void test_slow_subscriber_dropped(void)
{
    enum { N = 90 };
    dt_conn_t lazy;
    CHECK_EQ_INT(dt_connect(&lazy, alice), 0);
    dt_send(&lazy, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}");
    reader_t rd = {.want = N};
    CHECK_EQ_INT(dt_connect(&rd.conn, alice), 0);
    json_t *r = dt_call(&rd.conn, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    json_decref(r);
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, read_messages, &rd), 0);
    /* bob sends more than a subscriber may leave unread (1 MiB plus socket buffers); lazy
     * never reads. */
    char *text = malloc(30001);
    CHECK(text);
    memset(text, 'z', 30000);
    text[30000] = '\0';
    for (int i = 0; i < N; i++) {
        text[0] = (char)('A' + i % 26);
        free(send_via(bob, "alice", text));
    }
    /* Alice's daemon keeps serving while the lazy subscriber is full ... */
    char *mine = send_via(alice, "bob", "sent while a subscriber sleeps");
    CHECK(strlen(mine) == 64);
    free(mine);
    /* ... the reading subscriber gets every message, and the lazy one is dropped. */
    pthread_join(th, NULL);
    CHECK_EQ_INT(rd.seen, N);
    char *log = proc_wait_for_text(alice_log, "unread, dropped", 60);
    CHECK(log);
    free(log);
    free(text);
    dt_close(&rd.conn);
    dt_close(&lazy);
}

static bool inbox_has(const char *home, const char *id)
{
    proc_result_t r = dt_cli(home, 1, "inbox", "--limit", "1000", (char *)NULL);
    bool has = r.exit_code == 0 && strstr(r.out, id) != NULL;
    proc_result_free(&r);
    return has;
}

static void test_kill9_mid_upload(void)
{
    enum { N = 12 }; /* under the per-client bound of pending requests */
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, alice), 0);
    for (int i = 0; i < N; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"send\",\"params\":{\"recipient\":"
                 "\"bob\",\"text\":\"in flight %d\"}}",
                 i, i);
        dt_send(&c, line);
    }
    /* The first answer is back, the others are queued or running: kill -9 now. */
    char *acked[N];
    int n = 0;
    json_t *r = dt_json(&c, 90);
    CHECK(r);
    CHECK(json_object_get(result(r), "message_id"));
    acked[n++] = strdup(json_string_value(json_object_get(result(r), "message_id")));
    json_decref(r);
    CHECK_EQ_INT(kill(alice_d, SIGKILL), 0);
    int st;
    CHECK_EQ_INT(waitpid(alice_d, &st, 0), alice_d);
    /* the lock file still names the dead daemon: a stale lock, which the next one takes over */
    char lock[4300], holder[64];
    snprintf(lock, sizeof lock, "%s/lock", alice);
    snprintf(holder, sizeof holder, "%ld daemon", (long)alice_d);
    char *text = proc_wait_for_text(lock, holder, 1);
    CHECK(text);
    free(text);
    pid_t dead = alice_d;
    /* Every send the daemon answered before it died counts as stored. */
    while (n < N && (r = dt_json(&c, 5)) != NULL) {
        json_t *id = json_object_get(json_object_get(r, "result"), "message_id");
        if (id)
            acked[n++] = strdup(json_string_value(id));
        json_decref(r);
    }
    dt_close(&c);
    fprintf(stderr, "   %d of %d sends answered before kill -9\n", n, N);
    snprintf(alice_log, sizeof alice_log, "%s/alice-daemon2.log", dir); /* a fresh log */
    alice_d = dt_start_daemon(alice, alice_log);
    CHECK(alice_d != dead);
    snprintf(holder, sizeof holder, "%ld daemon", (long)alice_d);
    text = proc_wait_for_text(lock, holder, 10);
    CHECK(text);
    free(text);
    /* What alice's cache holds of them: the answered ones, and any the dead daemon had stored
     * without answering (it may have died in that very upload). */
    dt_conn_t a;
    CHECK_EQ_INT(dt_connect(&a, alice), 0);
    json_t *inbox = dt_call(&a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"inbox\"}", 60);
    size_t i;
    json_t *m;
    int stored = 0;
    json_array_foreach(result(inbox), i, m)
    {
        const char *t = json_string_value(json_object_get(m, "text"));
        if (t && strncmp(t, "in flight ", 10) == 0 && n + stored < N) {
            bool known = false;
            for (int k = 0; k < n; k++)
                known |= strcmp(acked[k], json_string_value(json_object_get(m, "message_id"))) == 0;
            if (!known)
                acked[n + stored++] = strdup(json_string_value(json_object_get(m, "message_id")));
        }
    }
    json_decref(inbox);
    dt_close(&a);
    fprintf(stderr, "   %d more stored without an answer\n", stored);
    n += stored;
    /* The next daemon finishes the uploads: bob gets every one of them. */
    int missing = n;
    for (int round = 0; round < 60 && missing > 0; round++) {
        dt_conn_t b;
        CHECK_EQ_INT(dt_connect(&b, bob), 0);
        json_t *s = dt_call(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sync\"}", 120);
        json_decref(s);
        dt_close(&b);
        missing = 0;
        for (int i = 0; i < n; i++)
            missing += !inbox_has(bob, acked[i]);
        if (missing)
            sleep(1);
    }
    CHECK_EQ_INT(missing, 0);
    for (int i = 0; i < n; i++)
        free(acked[i]);
}

int main(void)
{
    dir = test_tmpdir("daemon");
    pid_t nodes[2];
    dt_start_nodes(dir, nodes);
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    snprintf(alice_log, sizeof alice_log, "%s/alice-daemon.log", dir);
    snprintf(bob_log, sizeof bob_log, "%s/bob-daemon.log", dir);
    const char *homes[2] = {alice, bob}, *names[2] = {"alice", "bob"};
    for (int i = 0; i < 2; i++) {
        proc_result_t r = dt_cli(homes[i], 0, "init", names[i], (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        proc_result_free(&r);
        r = dt_cli(homes[i], 0, "sync", (char *)NULL); /* publishes the identity */
        CHECK_EQ_INT(r.exit_code, 0);
        proc_result_free(&r);
    }
    alice_d = dt_start_daemon(alice, alice_log);
    bob_d = dt_start_daemon(bob, bob_log);

    RUN(test_rpc_errors);
    RUN(test_link_code);
    RUN(test_second_daemon_refused);
    RUN(test_other_uid_refused);
    RUN(test_notification_from_other_device);
    RUN(test_receipt_from_other_device);
    RUN(test_slow_subscriber_dropped);
    RUN(test_kill9_mid_upload);

    CHECK_EQ_INT(proc_stop(alice_d, 30), 0);
    CHECK_EQ_INT(proc_stop(bob_d, 30), 0);
    CHECK_EQ_INT(proc_stop(nodes[1], 10), 0);
    CHECK_EQ_INT(proc_stop(nodes[0], 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
