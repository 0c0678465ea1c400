/* Gateway devices against real `dnasync node --gateway-port` processes on loopback: a device of
 * Alice's that reaches the DHT only through the gateways converges with her native device and
 * with Bob (send, delete, read receipts), a gateway tablet catches up over days, the phone fails
 * over when the first gateway is killed in the middle of a sync and goes back to it once it is
 * up again, and a real-time device listening through the gateway (Server-Sent Events) loses
 * nothing when its gateway dies, and a rate-limited gateway only slows a catch-up down. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "netwait.h"
#include "proc.h"
#include "testenv.h"

#include "dnasync/home.h"
#include "dnasync/identity.h"
#include "net/net.h"
#include "sync/sync_cache_add.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODES 3 /* each serves a gateway; node 2's has a low rate limit */
#define SLOW_RATE "20"

static char *dir;
static pid_t node_pid[NODES];
static char node_addr[NODES][64]; /* 127.0.0.1:PORT */
static int gw_port[NODES];
static char gw_url[NODES][64];

static void nap_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000}, NULL);
}

/* GET url/health answers 200 (libcurl, 1 s). */
static int healthy(const char *url)
{
    char u[128];
    snprintf(u, sizeof u, "%s/health", url);
    CURL *c = curl_easy_init();
    CHECK(c);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(sink);
    return status == 200;
}

/* Start node i (again: same UDP and gateway port), bootstrapped to the nodes before it. */
static void start_node(int i)
{
    char log[4200], port[16] = "0", gport[16], rate[] = "100000";
    snprintf(log, sizeof log, "%s/node%d.%d.log", dir, i, (int)time(NULL));
    if (node_addr[i][0])
        snprintf(port, sizeof port, "%s", strrchr(node_addr[i], ':') + 1);
    char *argv[16] = {(char *)DNASYNC_CLI_PATH, "node", "--bind", "127.0.0.1", "--port", port};
    int n = 6;
    if (i > 0) {
        argv[n++] = "--bootstrap";
        argv[n++] = node_addr[0];
    }
    snprintf(gport, sizeof gport, "%d", gw_port[i]);
    argv[n++] = "--gateway-port";
    argv[n++] = gport;
    argv[n++] = "--gateway-rate"; /* every test device shares 127.0.0.1 */
    argv[n++] = i < 2 ? rate : SLOW_RATE;
    argv[n] = NULL;
    node_pid[i] = proc_spawn(argv, log);
    CHECK(node_pid[i] > 0);
    char *text = proc_wait_for_text(log, "listening on", 20);
    CHECK(text);
    if (!node_addr[i][0])
        CHECK(sscanf(strstr(text, "listening on ") + 13, "%63s", node_addr[i]) == 1);
    free(text);
    for (int k = 0; k < 200 && !healthy(gw_url[i]); k++) /* bounded: 20 s */
        nap_ms(100);
    CHECK(healthy(gw_url[i]));
}

static void kill_node(int i)
{
    CHECK_EQ_INT(kill(node_pid[i], SIGKILL), 0);
    int status;
    CHECK_EQ_INT(waitpid(node_pid[i], &status, 0), node_pid[i]);
    node_pid[i] = 0;
}

typedef struct dev {
    char home[4200];
    dnasync_home_t *h;
    sync_context_t *s;
    test_clock_t clock;
    int gateway; /* 1: reaches the DHT through gateways 0 and 1 only; 2: through gateway 2 */
} gdev_t;

static void dev_init(gdev_t *d, const char *tag, const char *name, gdev_t *link_from, int gateway)
{
    memset(d, 0, sizeof *d);
    snprintf(d->home, sizeof d->home, "%s/%s", dir, tag);
    static uint64_t seed = 1;
    test_clock_init(&d->clock, dnasync_env_now(NULL), seed++);
    d->gateway = gateway;
    char err[512];
    if (!link_from) {
        CHECK_EQ_INT(dnasync_home_init(d->home, name, &d->clock.env, err, sizeof err), 0);
        return;
    }
    dnasync_identity_t *id = NULL, *joined = NULL;
    char *code = NULL;
    CHECK_EQ_INT(dnasync_identity_load(link_from->home, &id, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_linkcode_make_params(id, "test passphrase", 10, &d->clock.env, &code), 0);
    CHECK_EQ_INT(dnasync_linkcode_join(d->home, code, "test passphrase", &d->clock.env, &joined,
                                       err, sizeof err),
                 0);
    CHECK_EQ_INT(dnasync_home_prepare(d->home, &d->clock.env, err, sizeof err), 0);
    dnasync_identity_free(id);
    dnasync_identity_free(joined);
    free(code);
}

/* real_clock: the device runs on the real clock (real time needs it) instead of its own. */
static void dev_open(gdev_t *d, int real_clock)
{
    const char *boot[2] = {node_addr[0], node_addr[1]};
    const char *gws[2] = {gw_url[0], gw_url[1]}, *slow[1] = {gw_url[2]};
    dnasync_home_options_t opt = {.env = real_clock ? NULL : &d->clock.env, .network = true};
    if (d->gateway) {
        opt.gateway = d->gateway == 2 ? slow : gws;
        opt.n_gateway = d->gateway == 2 ? 1 : 2;
        opt.oneshot = true;
    } else {
        opt.bootstrap = boot;
        opt.n_bootstrap = 2;
    }
    char err[512];
    if (dnasync_home_open(d->home, &opt, &d->h, err, sizeof err) != 0) {
        fprintf(stderr, "open %s: %s\n", d->home, err);
        exit(1);
    }
    d->s = dnasync_home_sync(d->h);
    CHECK_EQ_STR(dnasync_home_transport(d->h), d->gateway ? "gateway" : "dht");
}

static void dev_close(gdev_t *d)
{
    dnasync_home_free(d->h);
    d->h = NULL;
    d->s = NULL;
}

static void send_to(gdev_t *d, const char *to, const char *text, char id[65])
{
    if (sync_send(d->s, to, (const uint8_t *)text, strlen(text), id) != 0) {
        fprintf(stderr, "send: %s\n", sync_errmsg(d->s));
        exit(1);
    }
    /* A put the DHT did not confirm (a node just died) stays pending until the sender's next
     * pass; these devices run no background pass, so the test makes them (bounded). */
    sync_status_t st = {.pending_uploads = 1};
    for (int i = 0; i < 50 && sync_get_status(d->s, &st) == 0 && st.pending_uploads > 0; i++) {
        nap_ms(100);
        sync_pass(d->s, NULL, NULL, NULL);
    }
    CHECK_EQ_INT(st.pending_uploads, 0);
}

/* One pass; 0 when it succeeded. */
static int pass(gdev_t *d)
{
    int rc = sync_pass(d->s, NULL, NULL, NULL);
    if (rc != 0)
        fprintf(stderr, "%s: pass: %s\n", d->home, sync_errmsg(d->s));
    return rc;
}

static int visible(gdev_t *d, const char *id)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    int rc = sync_get_message(d->s, id, &m);
    int v = rc == 0 && !m.deleted;
    message_info_clear(&m);
    return v;
}

static int is_read(gdev_t *d, const char *id)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    int read = sync_get_message(d->s, id, &m) == 0 && strcmp(m.status, "read") == 0;
    message_info_clear(&m);
    return read;
}

enum { WANT_VISIBLE, WANT_GONE, WANT_READ };
/* Passes (bounded: 100, 100 ms apart) until id is visible / deleted / read on d. */
static void until(gdev_t *d, const char *id, int want)
{
    for (int i = 0; i < 100; i++) {
        pass(d);
        int ok = want == WANT_VISIBLE ? visible(d, id)
                 : want == WANT_GONE  ? !visible(d, id)
                                      : is_read(d, id);
        if (ok)
            return;
        nap_ms(100);
    }
    fprintf(stderr, "%s: %.16s never became %s\n", d->home, id,
            want == WANT_VISIBLE ? "visible"
            : want == WANT_GONE  ? "deleted"
                                 : "read");
    exit(1);
}

static void verified(gdev_t *d)
{
    sync_status_t st;
    for (int i = 0; i < 50; i++) { /* bounded: a writer's summary may lag its values */
        CHECK_EQ_INT(sync_get_status(d->s, &st), 0);
        if (st.verified_days == st.window_days && st.pending_uploads == 0)
            return;
        pass(d);
        nap_ms(100);
    }
    fprintf(stderr, "%s: %u of %u days verified, %zu pending\n", d->home, st.verified_days,
            st.window_days, st.pending_uploads);
    exit(1);
}

static gdev_t desk, phone, bob;

static void test_converge(void)
{
    char from_phone[65], from_desk[65], note_phone[65], note_desk[65];
    CHECK_EQ_INT(pass(&bob), 0); /* publishes bob's identity */
    send_to(&phone, "bob", "sent from the phone", from_phone);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(phone.s, &st), 0);
    CHECK_EQ_INT(st.pending_uploads, 0); /* stored through the gateway */
    until(&bob, from_phone, WANT_VISIBLE);
    until(&desk, from_phone, WANT_VISIBLE); /* the sent copy reaches Alice's native device */
    send_to(&desk, "bob", "sent from the desk", from_desk);
    until(&phone, from_desk, WANT_VISIBLE);

    /* deletions both ways; bob keeps his copies */
    CHECK_EQ_INT(sync_delete_message(phone.s, from_desk), 0);
    until(&desk, from_desk, WANT_GONE);
    CHECK_EQ_INT(sync_delete_message(desk.s, from_phone), 0);
    until(&phone, from_phone, WANT_GONE);
    CHECK(visible(&bob, from_phone));

    /* shared read receipts both ways */
    send_to(&phone, "alice", "note from the phone", note_phone);
    send_to(&desk, "alice", "note from the desk", note_desk);
    until(&desk, note_phone, WANT_VISIBLE);
    until(&phone, note_desk, WANT_VISIBLE);
    CHECK_EQ_INT(sync_set_share_read_receipts(desk.s, true), 0);
    CHECK_EQ_INT(sync_set_share_read_receipts(phone.s, true), 0);
    CHECK_EQ_INT(sync_mark_read(desk.s, note_phone), 0);
    CHECK_EQ_INT(sync_mark_read(phone.s, note_desk), 0);
    until(&phone, note_phone, WANT_READ);
    until(&desk, note_desk, WANT_READ);
    verified(&phone);
    verified(&desk);
}

/* A gateway tablet last synced 20 days ago; meanwhile the desk wrote on three days and deleted
 * one message; the tablet comes back through the gateway and catches the whole window up. */
static void test_catch_up_over_days(void)
{
    const uint64_t day_ms = DNASYNC_DAY_S * 1000ull;
    gdev_t tab;
    dev_init(&tab, "alice-tablet", "alice", &desk, 1);
    uint64_t now_ms = tab.clock.now_ms, desk_ms = desk.clock.now_ms;
    tab.clock.now_ms = now_ms - 20 * day_ms;
    dev_open(&tab, 0);
    CHECK_EQ_INT(pass(&tab), 0);
    dev_close(&tab);

    char ids[3][65];
    for (int i = 0; i < 3; i++) {
        desk.clock.now_ms = now_ms - (uint64_t)(20 - 7 * i) * day_ms; /* days -20, -13, -6 */
        char text[32];
        snprintf(text, sizeof text, "written on day -%d", 20 - 7 * i);
        send_to(&desk, "alice", text, ids[i]);
    }
    CHECK_EQ_INT(sync_delete_message(desk.s, ids[1]), 0); /* on day -6 */
    desk.clock.now_ms = desk_ms;

    tab.clock.now_ms = now_ms;
    dev_open(&tab, 0);
    for (int i = 0; i < 3; i++)
        until(&tab, ids[i], i == 1 ? WANT_GONE : WANT_VISIBLE);
    verified(&tab);
    dev_close(&tab);
}

typedef struct bg_pass {
    gdev_t *d;
    int rc;
} bg_pass_t;

static void *run_pass(void *arg)
{
    bg_pass_t *p = arg;
    p->rc = sync_pass(p->d->s, NULL, NULL, NULL);
    return NULL;
}

static void endpoint(gdev_t *d, char *out, size_t len)
{
    dnasync_net_stats_t st;
    dnasync_net_t *net = dnasync_home_net(d->h);
    CHECK_EQ_INT(net->ops->stats(net, &st), 0);
    snprintf(out, len, "%s", st.endpoint);
}

/* 60 pending messages; the first gateway dies while the phone uploads them: the phone finishes
 * through the second, the desk gets every one; once the first is back (and the phone's clock has
 * moved past the retry delay) the phone uses it again. */
static void test_failover(void)
{
    char ids[60][65], ep[128];
    for (int i = 0; i < 60; i++) {
        char text[32];
        snprintf(text, sizeof text, "failover %d", i);
        CHECK_EQ_INT(sync_cache_add_text(phone.s, "alice", "alice", text, 0, false, ids[i]), 0);
    }
    bg_pass_t bg = {&phone, 0};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, run_pass, &bg), 0);
    nap_ms(50);
    kill_node(0);
    pthread_join(th, NULL);
    fprintf(stderr, "pass while the first gateway died: %d (%s)\n", bg.rc,
            bg.rc ? sync_errmsg(phone.s) : "ok");
    verified(&phone); /* every message stored, every day proven, through gateway 2 */
    endpoint(&phone, ep, sizeof ep);
    CHECK_EQ_STR(ep, gw_url[1]);
    for (int i = 0; i < 60; i++)
        until(&desk, ids[i], WANT_VISIBLE);

    start_node(0);
    test_clock_advance(&phone.clock, 6); /* past the 5 s a failed gateway is skipped */
    CHECK_EQ_INT(pass(&phone), 0);
    endpoint(&phone, ep, sizeof ep);
    CHECK_EQ_STR(ep, gw_url[0]);
}

/* ids the real-time device reported */
#define EVENTS_MAX 4096 /* more than the window holds: the catch-up reports every message too */
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char arrived[EVENTS_MAX][65];
static size_t n_arrived;

static void on_event(void *user, const sync_event_t *ev)
{
    (void)user;
    pthread_mutex_lock(&ev_mu);
    if (ev->kind == SYNC_EVENT_MESSAGE && n_arrived < EVENTS_MAX)
        snprintf(arrived[n_arrived++], 65, "%s", ev->message_id);
    pthread_mutex_unlock(&ev_mu);
}

/* Bounded (20 s): until id was reported. */
static int wait_event(const char *id)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&ev_mu);
        int seen = 0;
        for (size_t k = 0; k < n_arrived && !seen; k++)
            seen = strcmp(arrived[k], id) == 0;
        pthread_mutex_unlock(&ev_mu);
        if (seen)
            return 1;
        nap_ms(50);
    }
    return 0;
}

/* Message ids whose value (a message, or a bundle carrying it) a listen through the gateway
 * delivered (transport level). */
static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static char rec_ids[256][65];
static size_t n_rec;

static void on_value(void *user, uint64_t id, const uint8_t *val, size_t len, int expired)
{
    (void)user, (void)id;
    dht_value_t v;
    if (expired || dht_value_decode(val, len, &v) != 0) {
        dht_value_clear(&v);
        return;
    }
    pthread_mutex_lock(&rec_mu);
    if (v.kind == DHT_KIND_MESSAGE && n_rec < 256)
        memcpy(rec_ids[n_rec++], v.message_id, 65);
    for (size_t i = 0; v.kind == DHT_KIND_BUNDLE_MESSAGE && i < v.n_members && n_rec < 256; i++)
        memcpy(rec_ids[n_rec++], v.members[i].message_id, 65);
    pthread_mutex_unlock(&rec_mu);
    dht_value_clear(&v);
}

/* Bounded (20 s): until the listen delivered the value of message id. */
static int wait_value(const char *id)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&rec_mu);
        int seen = 0;
        for (size_t k = 0; k < n_rec && !seen; k++)
            seen = strcmp(rec_ids[k], id) == 0;
        pthread_mutex_unlock(&rec_mu);
        if (seen)
            return 1;
        nap_ms(50);
    }
    return 0;
}

/* A real-time device through the gateway: bob's message is pushed to it (SSE) without any sync
 * call. Then the gateway its streams use is killed: a listen on alice's doorbell (the key the
 * engine listens on) still delivers the message bob sent while no stream was up (the reconnect,
 * to the second gateway, replays the key) and the one sent after; the device gets both. */
static void test_listen_through_gateway(void)
{
    gdev_t web;
    dev_init(&web, "alice-web", "alice", &desk, 1);
    dev_open(&web, 1);
    sync_set_event_callback(web.s, on_event, NULL);
    CHECK_EQ_INT(sync_enable_realtime(web.s), 0);
    char a[65], b[65], c[65];
    send_to(&bob, "alice", "pushed through the gateway", a);
    CHECK(wait_event(a)); /* without any sync call (the periodic pass is 300 s away) */

    dnasync_net_t *net = dnasync_home_net(web.h);
    uint8_t bell[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_bell(bell, "alice", (int64_t)(bob.clock.now_ms / (DNASYNC_DAY_S * 1000u))),
                 0);
    uint64_t token = 0;
    char err[DNASYNC_NET_ERR_MAX];
    CHECK_EQ_INT(net->ops->listen(net, bell, on_value, NULL, &token, err), 0);
    CHECK(wait_value(a)); /* the stream replays what the key holds */
    kill_node(0);
    send_to(&bob, "alice", "sent while the stream was down", b);
    CHECK(wait_value(b));
    send_to(&bob, "alice", "sent after the reconnect", c);
    CHECK(wait_value(c));
    net->ops->cancel(net, token);
    until(&web, b, WANT_VISIBLE);
    until(&web, c, WANT_VISIBLE);
    CHECK_EQ_INT(sync_disable_realtime(web.s), 0);
    dev_close(&web);
    start_node(0);
}

/* A new device catches the whole window up (some 80 values) through a gateway that allows 20
 * requests a second (bursts of 40): the answers 429 slow the pass down, they do not fail it. */
static void test_rate_limited_catch_up(void)
{
    gdev_t slow;
    dev_init(&slow, "alice-slow", "alice", &desk, 2);
    dev_open(&slow, 0);
    size_t down = 0;
    int rc = sync_pass(slow.s, NULL, &down, NULL);
    if (rc != 0)
        fprintf(stderr, "catch-up through the rate-limited gateway: %s\n", sync_errmsg(slow.s));
    CHECK_EQ_INT(rc, 0);
    CHECK(down >= 60);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(slow.s, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
    dev_close(&slow);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    dir = test_tmpdir("gwsync");
    for (int i = 0; i < NODES; i++) {
        gw_port[i] = tu_free_port();
        snprintf(gw_url[i], sizeof gw_url[i], "http://127.0.0.1:%d", gw_port[i]);
    }
    for (int i = 0; i < NODES; i++)
        start_node(i);
    dev_init(&desk, "alice-desktop", "alice", NULL, 0);
    dev_init(&phone, "alice-phone", "alice", &desk, 1);
    dev_init(&bob, "bob", "bob", NULL, 0);
    dev_open(&desk, 0);
    dev_open(&phone, 0);
    dev_open(&bob, 0);
    RUN(test_converge);
    RUN(test_catch_up_over_days);
    RUN(test_failover);
    RUN(test_listen_through_gateway);
    RUN(test_rate_limited_catch_up);
    dev_close(&desk);
    dev_close(&phone);
    dev_close(&bob);
    for (int i = 0; i < NODES; i++)
        if (node_pid[i]) {
            CHECK_EQ_INT(proc_stop(node_pid[i], 10), 0);
            node_pid[i] = 0;
        }
    test_rmtree(dir);
    free(dir);
    curl_global_cleanup();
    return 0;
}
