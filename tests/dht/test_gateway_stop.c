/* Stopping a gateway node never crashes and always saves its --persist state (issue 13, "crash
 * on stop": OpenDHT's stock proxy exited 139 on this sequence and lost the state):
 *  1. a listen through the gateway on a key whose value is stored on another node, the client
 *     disconnects, SIGTERM -> exit 0, and a restart (alone) serves what was put through the
 *     gateway, from the saved state;
 *  2. the same with the listen still open at SIGTERM: the stream ends cleanly, exit 0, saved.
 * Real node processes on loopback; every process stopped by its PID. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "gw_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static test_clock_t clk;
static char *dir;

/* A message stored through a client of the other node; key gets its key. */
static void store_on_other(int other_port, unsigned n, uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", other_port);
    dht_storage_context_t *c = tu_ctx(addr, &clk.env);
    tu_wait_peers(c, 1);
    uint8_t sk[32], *msg;
    size_t len;
    tu_seed(sk, 5);
    tu_message(&msg, &len, n, "alice", "bob", 300, clk.now_ms / 1000u, sk);
    CHECK_EQ_INT(tu_put_value(c, msg, len, clk.now_ms / 1000u, key), 0);
    free(msg);
    dht_storage_free(c);
}

/* Put alice's identity and a message to bob through the gateway (stored on its node); key
 * gets the message's key. */
static void put_through_gateway(int gwp, uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    uint8_t sk[32];
    tu_seed(sk, 6);
    uint64_t now = clk.now_ms / 1000u;
    gt_value_t id, msg;
    gt_identity(&id, "alice", sk, now);
    gt_message(&msg, "alice", "bob", "kept across the stop", sk, now);
    memcpy(key, msg.key, DNASYNC_DHT_KEY_BYTES);
    char *a = gt_item_json(&id), *b = gt_item_json(&msg);
    size_t n = strlen(a) + strlen(b) + 32;
    char *body = malloc(n);
    CHECK(body);
    snprintf(body, n, "{\"values\":[%s,%s]}", a, b);
    const char *h[] = {"Content-Type: application/json", NULL};
    gt_resp_t r;
    gt_http(gwp, "POST", "/v1/put", h, body, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "{\"status\":\"stored\"},{\"status\":\"stored\"}") != NULL);
    gt_resp_free(&r);
    free(a);
    free(b);
    free(body);
    gt_value_free(&id);
    gt_value_free(&msg);
}

/* GET /v1/key/K through the gateway: 1 when it returns a value. */
static int served(int gwp, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    char hex[2 * DNASYNC_DHT_KEY_BYTES + 1], path[80];
    gt_hex_key(key, hex);
    snprintf(path, sizeof path, "/v1/key/%s", hex);
    gt_resp_t r;
    gt_http(gwp, "GET", path, NULL, NULL, &r);
    int found = r.status == 200 && strstr(r.body, "\"kind\":\"message\"") != NULL;
    gt_resp_free(&r);
    return found;
}

static void run(int disconnect_first, const char *tag)
{
    char persist[4200], log[4300];
    snprintf(persist, sizeof persist, "%s/%s-state", dir, tag);
    snprintf(log, sizeof log, "%s/%s-other.log", dir, tag);
    char *oargs[] = {"--bind", "127.0.0.1", NULL};
    int other_port = 0, gwp = 0, dht_port = 0;
    pid_t other = tu_spawn_node(oargs, log, &other_port);
    CHECK(other > 0);
    char bs[32];
    snprintf(bs, sizeof bs, "127.0.0.1:%d", other_port);
    char *gargs[] = {"--persist", persist, "--bootstrap", bs, "-v", NULL};
    snprintf(log, sizeof log, "%s/%s-gw.log", dir, tag);
    pid_t gwnode = gt_spawn(gargs, log, &gwp, &dht_port);

    uint8_t key[DNASYNC_DHT_KEY_BYTES], own[DNASYNC_DHT_KEY_BYTES];
    store_on_other(other_port, disconnect_first ? 1 : 2, key);
    put_through_gateway(gwp, own);
    gt_listen_t l;
    gt_listen_start(&l, gwp, key);
    CHECK(gt_listen_wait(&l, "event: synced", 30));
    CHECK(gt_listen_wait(&l, "\"kind\":\"message\"", 30));
    if (disconnect_first) {
        gt_listen_stop(&l);
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int code = proc_stop(gwnode, 30);
    fprintf(stderr, "%s: gateway node exit code %d\n", tag, code);
    CHECK_EQ_INT(code, 0);
    if (!disconnect_first) {
        gt_listen_stop(&l); /* returns: the server ended the stream */
        CHECK_EQ_INT(l.status, 200);
    }
    char *text = proc_wait_for_text(log, "stopped", 5);
    CHECK(text != NULL);
    CHECK(strstr(text, "ERROR dnasync") == NULL); /* no failed save (OpenDHT logs its own) */
    free(text);

    /* the other node is gone too: what the gateway node serves now comes from its saved state */
    CHECK_EQ_INT(proc_stop(other, 20), 0);
    char *rargs[] = {"--persist", persist, NULL};
    snprintf(log, sizeof log, "%s/%s-gw2.log", dir, tag);
    gwnode = gt_spawn(rargs, log, &gwp, &dht_port);
    CHECK(served(gwp, own));
    CHECK_EQ_INT(proc_stop(gwnode, 20), 0);
}

static void test_disconnect_then_stop(void)
{
    run(1, "disconnect");
}

static void test_stop_during_listen(void)
{
    run(0, "open");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 9);
    dir = test_tmpdir("gateway-stop");
    RUN(test_disconnect_then_stop);
    RUN(test_stop_during_listen);
    curl_global_cleanup();
    if (!getenv("KEEP"))
        test_rmtree(dir);
    free(dir);
    return 0;
}
