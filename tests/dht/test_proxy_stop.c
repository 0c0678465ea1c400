/* `dnasync node --proxy-port` (OpenDHT's raw REST proxy, kept for other tools): the crash-on-stop
 * sequence of issue 13 — a listen through the proxy on a key whose value is stored on another
 * node, the client disconnects, SIGTERM — exits 0 and the node's --persist state is saved. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "gw_testutil.h"
#include "netwait.h"
#include "proc.h"
#include "testenv.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *dir = test_tmpdir("proxy-stop");
    char log[4200], persist[4200];
    snprintf(persist, sizeof persist, "%s/a-state", dir);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec;

    /* node B holds the value (put through its gateway) */
    snprintf(log, sizeof log, "%s/b.log", dir);
    int b_gw = 0, b_port = 0;
    pid_t b = gt_spawn(NULL, log, &b_gw, &b_port);
    uint8_t sk[32];
    tu_seed(sk, 21);
    gt_value_t id;
    gt_identity(&id, "dora", sk, now);
    char *item = gt_item_json(&id);
    char body[4096];
    snprintf(body, sizeof body, "{\"values\":[%s]}", item);
    free(item);
    const char *h[] = {"Content-Type: application/json", NULL};
    gt_resp_t r;
    gt_http(b_gw, "POST", "/v1/put", h, body, &r);
    /* held by B either way (a lone node may not call it confirmed) */
    CHECK(r.status == 200 && (strstr(r.body, "\"stored\"") || strstr(r.body, "\"not_confirmed\"")));
    gt_resp_free(&r);

    /* node A runs the proxy, bootstrapped to B */
    char bs[32], pport[16];
    snprintf(bs, sizeof bs, "127.0.0.1:%d", b_port);
    int proxy = tu_free_port();
    snprintf(pport, sizeof pport, "%d", proxy);
    char *args[] = {"--bind", "127.0.0.1",    "--bootstrap", bs,   "--persist",
                    persist,  "--proxy-port", pport,         "-v", NULL};
    snprintf(log, sizeof log, "%s/a.log", dir);
    int a_port = 0;
    pid_t a = tu_spawn_node(args, log, &a_port);
    CHECK(a > 0);
    char *text = proc_wait_for_text(log, "REST proxy on", 10);
    CHECK(text);
    free(text);

    char hex[2 * DNASYNC_DHT_KEY_BYTES + 1], path[128];
    gt_hex_key(id.key, hex);
    snprintf(path, sizeof path, "/key/%s/listen", hex);
    gt_listen_t l;
    gt_listen_start_path(&l, proxy, path, NULL);
    CHECK(gt_listen_wait(&l, "\"data\"", 30)); /* the value came through the proxy */
    gt_listen_stop(&l);                        /* the client disconnects */
    struct timespec pause = {0, 500 * 1000000L};
    nanosleep(&pause, NULL);
    int code = proc_stop(a, 30);
    fprintf(stderr, "node with the proxy: exit code %d\n", code);
    CHECK_EQ_INT(code, 0);
    char values[4300];
    snprintf(values, sizeof values, "%s/values.msgpack", persist);
    CHECK(access(values, R_OK) == 0);

    gt_value_free(&id);
    CHECK_EQ_INT(proc_stop(b, 20), 0);
    curl_global_cleanup();
    if (!getenv("KEEP"))
        test_rmtree(dir);
    free(dir);
    return 0;
}
