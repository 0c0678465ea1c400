/* A phone through a gateway vs a phone with its own DHT node (docs/transport.md). A writer puts
 * N messages into an identity's mailbox; then, alternately per round, a fresh device of that
 * identity on the mobile profile opens (the native one starts its node and waits for 3 peers),
 * catches up in one pass, and spends a simulated hour of mobile wake-ups on an injected clock.
 * What each sent: the native node's adapter calls (a put, get, listing each one; payload bytes)
 * and OpenDHT requests on the wire; the gateway client's HTTP requests and bytes (headers
 * included). CPU is this process only: the gateway's own work is the node's, not the phone's.
 * Then (latency(), row 13b) put and listen latency through the gateway beside the native node.
 * usage: bench_gateway DIR N BOOT GATEWAY_URL ROUNDS [LATENCY_SENDS] */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "testenv.h"

#include "net/net.h"
#include "sync/sync_cache_add.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *dir, *boot, *gateway;

static dnasync_home_t *open_gateway(const char *tag, const char *profile, const dnasync_env_t *env)
{
    char home[4096], err[512];
    snprintf(home, sizeof home, "%s/%s", dir, tag);
    const char *g[1] = {gateway};
    dnasync_home_options_t opt = {.env = env,
                                  .profile = profile,
                                  .gateway = g,
                                  .n_gateway = 1,
                                  .oneshot = true,
                                  .network = true};
    dnasync_home_t *h = NULL;
    if (dnasync_home_open(home, &opt, &h, err, sizeof err) != 0)
        bench_die("open %s: %s", home, err);
    return h;
}

/* What the device sent so far: requests, bytes, wire (native only). */
typedef struct sent {
    uint64_t requests, bytes, wire;
} sent_t;

static sent_t sent_now(dnasync_home_t *h)
{
    sent_t s = {0, 0, 0};
    if (dnasync_home_dht(h)) {
        bench_counts_t c;
        bench_counts_now(&c);
        bench_counts_t zero;
        memset(&zero, 0, sizeof zero);
        s.requests = bench_counts_requests(&zero, &c);
        s.bytes = bench_counts_bytes(&zero, &c);
        s.wire = c.wire;
    } else {
        dnasync_net_stats_t st;
        dnasync_net_t *net = dnasync_home_net(h);
        if (net->ops->stats(net, &st) != 0)
            bench_die("stats");
        s.requests = st.requests;
        s.bytes = st.bytes_in + st.bytes_out;
    }
    return s;
}

static void one_device(const char *mode, int round, size_t n)
{
    char tag[64], name[128];
    snprintf(tag, sizeof tag, "gw_%s%d", mode, round);
    bench_home_link(dir, tag, "gw_w");
    test_clock_t clk;
    test_clock_init(&clk, dnasync_env_now(NULL), 77 + (uint64_t)round);
    bool native = strcmp(mode, "native") == 0;
    double t0 = bench_mono(), c0 = bench_cpu();
    dnasync_home_t *h = native ? bench_home_open(dir, tag, boot, "mobile", &clk.env)
                               : open_gateway(tag, "mobile", &clk.env);
    if (native) {
        bench_counts_track(dnasync_home_dht(h));
        bench_wait_nodes(dnasync_home_dht(h), 3);
    }
    sync_context_t *s = dnasync_home_sync(h);
    sent_t a = sent_now(h);
    size_t down = 0;
    int pass = sync_pass(s, NULL, &down, NULL);
    sent_t b = sent_now(h);
    /* An incomplete catch-up is a figure of its own (the table shows it beside the time), not
     * the end of the whole `make bench` run. */
    if (pass != 0 || down != n)
        fprintf(stderr, "bench_gateway: %s catch-up got %zu of %zu%s%s\n", mode, down, n,
                pass ? ": " : "", pass ? sync_errmsg(s) : "");
    snprintf(name, sizeof name, "gw_%s_catchup_missing", mode);
    bench_result(name, (double)(down < n ? n - down : 0));
    snprintf(name, sizeof name, "gw_%s_catchup_s", mode);
    bench_result(name, bench_mono() - t0); /* open (and for native: join) + the pass */
    snprintf(name, sizeof name, "gw_%s_catchup_cpu_s", mode);
    bench_result(name, bench_cpu() - c0);
    snprintf(name, sizeof name, "gw_%s_catchup_requests", mode);
    bench_result(name, (double)(b.requests - a.requests));
    snprintf(name, sizeof name, "gw_%s_catchup_bytes", mode);
    bench_result(name, (double)(b.bytes - a.bytes));
    if (native) {
        snprintf(name, sizeof name, "gw_%s_catchup_wire", mode);
        bench_result(name, (double)(b.wire - a.wire));
    }

    uint64_t end = clk.now_ms + 3600u * 1000u;
    double c1 = bench_cpu();
    for (int i = 0; i < 100000 && clk.now_ms < end; i++) {
        uint64_t next = sync_tick(s);
        clk.now_ms = next > clk.now_ms ? next : clk.now_ms + 1000;
    }
    sent_t c = sent_now(h);
    snprintf(name, sizeof name, "gw_%s_hour_requests", mode);
    bench_result(name, (double)(c.requests - b.requests));
    snprintf(name, sizeof name, "gw_%s_hour_bytes", mode);
    bench_result(name, (double)(c.bytes - b.bytes));
    snprintf(name, sizeof name, "gw_%s_hour_cpu_ms", mode);
    bench_result(name, (bench_cpu() - c1) * 1000);
    dnasync_home_free(h);
}

/* ---- row 13b: put and listen latency, gateway beside native ----
 * Four devices of one identity: a native and a gateway writer, a native and a gateway receiver
 * (real time on). The writers send to their own identity in turn; each transport's ops table is
 * wrapped (one table per kind of transport) to time every confirmed put call, and to note when
 * the writer rings the doorbell (a best-effort put) and when each receiver's listen callback
 * fires for it: both receivers listen on the same key, so the two listen latencies are of one
 * and the same put. Then send call -> each receiver's MESSAGE event. RESULT gwlat_put_<T>_ms,
 * gwlat_listen_<writer T>_<receiver T>_ms, gwlat_rt_<writer T>_<receiver T>_ms, gwlat_lost. */
enum { T_NATIVE, T_GATEWAY };
static const char *const t_name[2] = {"native", "gateway"};
static const dnasync_net_ops_t *orig[2];
static dnasync_net_ops_t wrapped[2];
static pthread_mutex_t lat_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lat_cv = PTHREAD_COND_INITIALIZER;
static double bell_at;     /* the last doorbell put call (the writer's) */
static double heard_at[2]; /* each receiver's first listen callback after it */
/* Each receiver's last MESSAGE events (the id is known only once sync_send returns, and the
 * event may come before that). */
#define RING 16
static struct {
    char id[65];
    double at;
} ring[2][RING];
static unsigned ring_n[2];

static int kind_of(dnasync_net_t *net)
{
    return net->ops == &wrapped[T_GATEWAY] ? T_GATEWAY : T_NATIVE;
}

static int w_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    int k = kind_of(net);
    double t0 = bench_mono();
    if (flags & DNASYNC_NET_PUT_BEST_EFFORT) {
        pthread_mutex_lock(&lat_mu);
        bell_at = t0;
        heard_at[0] = heard_at[1] = 0;
        pthread_mutex_unlock(&lat_mu);
    }
    int rc = orig[k]->put(net, items, n, flags, err);
    if (!(flags & DNASYNC_NET_PUT_BEST_EFFORT)) {
        char name[64];
        snprintf(name, sizeof name, "gwlat_put_%s_ms", t_name[k]);
        bench_result(name, (bench_mono() - t0) * 1000);
    }
    return rc;
}

typedef struct heard {
    int k;
    dnasync_net_listen_cb cb;
    void *user;
} heard_t;
static heard_t heard[8];
static int n_heard;

static void w_heard(void *user, uint64_t id, const uint8_t *val, size_t len, int expired)
{
    heard_t *h = user;
    double now = bench_mono();
    pthread_mutex_lock(&lat_mu);
    if (!expired && bell_at > 0 && heard_at[h->k] == 0)
        heard_at[h->k] = now;
    pthread_cond_broadcast(&lat_cv);
    pthread_mutex_unlock(&lat_mu);
    h->cb(h->user, id, val, len, expired);
}

static int w_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    int k = kind_of(net);
    if (n_heard == 8)
        bench_die("more listens than the bench expects");
    heard_t *h = &heard[n_heard++];
    *h = (heard_t){k, cb, user};
    return orig[k]->listen(net, key, w_heard, h, token, err);
}

static void wrap(dnasync_home_t *h, int k)
{
    dnasync_net_t *net = dnasync_home_net(h);
    orig[k] = net->ops;
    wrapped[k] = *net->ops;
    wrapped[k].put = w_put;
    wrapped[k].listen = w_listen;
    net->ops = &wrapped[k];
}

static void on_event(void *user, const sync_event_t *ev)
{
    int k = (int)(intptr_t)user;
    if (ev->kind != SYNC_EVENT_MESSAGE || !ev->message_id)
        return;
    double now = bench_mono();
    pthread_mutex_lock(&lat_mu);
    unsigned i = ring_n[k]++ % RING;
    snprintf(ring[k][i].id, sizeof ring[k][i].id, "%s", ev->message_id);
    ring[k][i].at = now;
    pthread_cond_broadcast(&lat_cv);
    pthread_mutex_unlock(&lat_mu);
}

/* Caller holds lat_mu. */
static double seen_locked(int k, const char *id)
{
    for (unsigned i = 0; i < RING && i < ring_n[k]; i++)
        if (strcmp(ring[k][i].id, id) == 0)
            return ring[k][i].at;
    return 0;
}

/* Waits (bounded: 10 s) until both receivers saw id; at[k] = when (0: not seen). */
static void wait_both(const char *id, double at[2])
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&lat_mu);
    while (((at[0] = seen_locked(0, id)) == 0 || (at[1] = seen_locked(1, id)) == 0) &&
           pthread_cond_timedwait(&lat_cv, &lat_mu, &dl) == 0) {
    }
    at[0] = seen_locked(0, id);
    at[1] = seen_locked(1, id);
    pthread_mutex_unlock(&lat_mu);
}

static void latency(int n)
{
    const char *tags[4] = {"lat_wn", "lat_wg", "lat_rn", "lat_rg"};
    dnasync_home_t *h[4];
    for (int i = 0; i < 4; i++) {
        bench_home_link(dir, tags[i], "gw_w");
        bool gw = i % 2 == 1;
        h[i] = gw ? open_gateway(tags[i], "desktop", NULL)
                  : bench_home_open(dir, tags[i], boot, "desktop", NULL);
        if (!gw)
            bench_wait_nodes(dnasync_home_dht(h[i]), 3);
        wrap(h[i], gw ? T_GATEWAY : T_NATIVE);
    }
    for (int k = 0; k < 2; k++) {
        sync_context_t *r = dnasync_home_sync(h[2 + k]);
        sync_set_event_callback(r, on_event, (void *)(intptr_t)k);
        if (sync_enable_realtime(r) != 0)
            bench_die("real time on the %s receiver: %s", t_name[k], sync_errmsg(r));
    }
    bench_sleep_ms(1000); /* the receivers' first passes */
    int lost = 0;
    for (int i = 0; i < n; i++) {
        int w = i % 2; /* the writer: native, gateway in turn */
        sync_context_t *s = dnasync_home_sync(h[w]);
        char text[BENCH_BODY + 1], id[65], name[64];
        bench_text(text, (size_t)i);
        pthread_mutex_lock(&lat_mu);
        bell_at = 0;
        pthread_mutex_unlock(&lat_mu);
        double t0 = bench_mono();
        if (sync_send(s, "gwbench", (const uint8_t *)text, BENCH_BODY, id) != 0)
            bench_die("send through the %s writer: %s", t_name[w], sync_errmsg(s));
        double at[2];
        wait_both(id, at);
        lost += (at[0] == 0) + (at[1] == 0);
        pthread_mutex_lock(&lat_mu);
        for (int k = 0; k < 2; k++) {
            if (bell_at > 0 && heard_at[k] > 0) {
                snprintf(name, sizeof name, "gwlat_listen_%s_%s_ms", t_name[w], t_name[k]);
                bench_result(name, (heard_at[k] - bell_at) * 1000);
            }
            if (at[k] > 0) {
                snprintf(name, sizeof name, "gwlat_rt_%s_%s_ms", t_name[w], t_name[k]);
                bench_result(name, (at[k] - t0) * 1000);
            }
        }
        pthread_mutex_unlock(&lat_mu);
    }
    bench_result("gwlat_lost", lost);
    bench_result("gwlat_sends", n); /* a lost event leaves no latency sample: count the sends */
    for (int i = 3; i >= 0; i--)
        dnasync_home_free(h[i]);
}

int main(int argc, char **argv)
{
    if (argc < 6)
        bench_die("usage: bench_gateway DIR N BOOT GATEWAY_URL ROUNDS");
    dir = argv[1];
    boot = argv[3];
    gateway = argv[4];
    size_t n = strtoul(argv[2], NULL, 10);
    int rounds = atoi(argv[5]);
    bench_home_init(dir, "gw_w", "gwbench");
    dnasync_home_t *w = bench_home_open(dir, "gw_w", boot, "desktop", NULL);
    bench_wait_nodes(dnasync_home_dht(w), 3);
    sync_context_t *s = dnasync_home_sync(w);
    for (size_t i = 0; i < n; i++) {
        char text[BENCH_BODY + 1], id[65];
        bench_text(text, i);
        if (sync_cache_add_text(s, "gwbench", "gwbench", text, 0, false, id) != 0)
            bench_die("cache: %s", sync_errmsg(s));
    }
    size_t up = 0;
    if (sync_pass(s, &up, NULL, NULL) != 0 || up != n)
        bench_die("upload %zu of %zu: %s", up, n, sync_errmsg(s));
    dnasync_home_free(w);
    for (int r = 1; r <= rounds; r++) { /* alternate which goes first */
        one_device(r % 2 ? "native" : "gateway", r, n);
        one_device(r % 2 ? "gateway" : "native", r, n);
    }
    if (argc > 6)
        latency(atoi(argv[6]));
    return 0;
}
