/* The daemon's readiness (docs/rpc.md, "Ready"), with real processes on loopback: two
 * `dnasync node`s; alice's daemon restarted after bob's node, which it knew, left for good.
 * The daemon serves requests at once but is not ready while a node of its routing table is
 * neither answered nor given up: requests sent before it is ready are answered (status says
 * ready false); then subscribers get a `ready` notification, `status` says ready with the time
 * to ready and its routing table's node counts, and the log says it too. No timing assertion:
 * "before ready" is the order of the lines on one connection. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "daemon_testutil.h"
#include "testenv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static char alice[4200], alice_log[4200];

static void one_shot(const char *home, const char *name)
{
    proc_result_t r = dt_cli(home, 0, "init", name, (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

static void test_requests_before_ready(void)
{
    dt_conn_t c;
    CHECK_EQ_INT(dt_connect(&c, alice), 0);
    json_t *r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}", 30);
    CHECK(json_is_true(json_object_get(json_object_get(r, "result"), "subscribed")));
    json_decref(r);
    /* all three written at once, before any answer is read */
    dt_send(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"status\"}\n"
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"inbox\"}\n"
                "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"send\",\"params\":{\"recipient\":"
                "\"bob\",\"text\":\"sent before the daemon was ready\"}}");
    bool ready_seen = false, answered[5] = {false};
    json_int_t ready_ms = -1;
    /* bounded: 4 lines expected, each within 120 s */
    for (int lines = 0; lines < 4; lines++) {
        json_t *m = dt_json(&c, 120);
        CHECK(m);
        const char *method = json_string_value(json_object_get(m, "method"));
        json_t *res = json_object_get(m, "result");
        if (method) {
            CHECK_EQ_STR(method, "ready");
            CHECK(!ready_seen);
            ready_seen = true;
            json_t *ms = json_object_get(json_object_get(m, "params"), "ready_ms");
            CHECK(json_is_integer(ms));
            ready_ms = json_integer_value(ms);
        } else {
            json_int_t id = json_integer_value(json_object_get(m, "id"));
            CHECK(id >= 2 && id <= 4 && res);
            answered[id] = true;
            if (id == 2) {
                /* answered before the ready notification: the daemon was serving, not ready */
                if (ready_seen)
                    fprintf(stderr, "the daemon was ready before its first request: no node "
                                    "to wait for (bob's node left before it started)\n");
                CHECK(!ready_seen);
                CHECK(json_is_false(json_object_get(res, "ready")));
                CHECK(json_is_null(json_object_get(res, "ready_ms")));
                CHECK_EQ_STR(json_string_value(json_object_get(res, "name")), "alice");
            }
            if (id == 3)
                CHECK(json_is_array(res));
            if (id == 4)
                CHECK_EQ_INT(strlen(json_string_value(json_object_get(res, "message_id"))), 64);
        }
        json_decref(m);
    }
    CHECK(ready_seen && answered[2] && answered[3] && answered[4]);
    /* ready now, and it says so in status and in the log */
    r = dt_call(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"status\"}", 60);
    json_t *res = json_object_get(r, "result");
    CHECK(json_is_true(json_object_get(res, "ready")));
    CHECK_EQ_INT(json_integer_value(json_object_get(res, "ready_ms")), ready_ms);
    /* its routing table: the node still running at least, answered; bob's departed node is
     * given up by now or still dubious, never good */
    json_t *nodes = json_object_get(res, "nodes"), *good = json_object_get(res, "nodes_good");
    CHECK(json_is_integer(nodes) && json_is_integer(good));
    CHECK(json_integer_value(good) >= 1);
    CHECK(json_integer_value(nodes) >= json_integer_value(good));
    /* and its OpenDHT searches: the warm-up's at least, kept for 62 minutes */
    CHECK(json_integer_value(json_object_get(res, "searches")) >= 1);
    json_decref(r);
    char *log = proc_wait_for_text(alice_log, "ready: after ", 10);
    CHECK(log);
    free(log);
    dt_close(&c);
}

int main(void)
{
    dir = test_tmpdir("daemon-ready");
    pid_t nodes[2];
    dt_start_nodes(dir, nodes);
    char bob[4200], bob_log[4200];
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    snprintf(alice_log, sizeof alice_log, "%s/alice-daemon.log", dir);
    snprintf(bob_log, sizeof bob_log, "%s/bob-daemon.log", dir);
    one_shot(alice, "alice");
    one_shot(bob, "bob");
    /* alice's node and bob's talk (a send to bob) and alice's node saves its routing table,
     * bob's node among the answered ones, when it stops; then bob's node leaves for good */
    pid_t a = dt_start_daemon(alice, alice_log), b = dt_start_daemon(bob, bob_log);
    free(proc_wait_for_text(alice_log, "ready:", 60));
    free(proc_wait_for_text(bob_log, "ready:", 60));
    proc_result_t r = dt_cli(alice, 0, "send", "bob", "while both run", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    CHECK_EQ_INT(proc_stop(b, 30), 0);
    CHECK_EQ_INT(proc_stop(a, 30), 0);
    /* alice's daemon again, with bob's node in its routing table and gone */
    snprintf(alice_log, sizeof alice_log, "%s/alice-daemon2.log", dir);
    a = dt_start_daemon(alice, alice_log);

    RUN(test_requests_before_ready);

    CHECK_EQ_INT(proc_stop(a, 30), 0);
    CHECK_EQ_INT(proc_stop(nodes[0], 10), 0);
    CHECK_EQ_INT(proc_stop(nodes[1], 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
