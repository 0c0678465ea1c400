/* A phone through a gateway vs a phone with its own DHT node (docs/transport.md). A writer puts
 * N messages into an identity's mailbox; then, alternately per round, a fresh device of that
 * identity on the mobile profile opens (the native one starts its node and waits for 3 peers),
 * catches up in one pass, and spends a simulated hour of mobile wake-ups on an injected clock.
 * What each sent: the native node's adapter calls (a put, get, listing each one; payload bytes)
 * and OpenDHT requests on the wire; the gateway client's HTTP requests and bytes (headers
 * included). CPU is this process only: the gateway's own work is the node's, not the phone's.
 * usage: bench_gateway DIR N BOOT GATEWAY_URL ROUNDS */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "testenv.h"

#include "dnasync/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir, *boot, *gateway;

static dnasync_home_t *open_gateway(const char *tag, const dnasync_env_t *env)
{
    char home[4096], err[512];
    snprintf(home, sizeof home, "%s/%s", dir, tag);
    const char *g[1] = {gateway};
    dnasync_home_options_t opt = {.env = env,
                                  .profile = "mobile",
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
                               : open_gateway(tag, &clk.env);
    if (native) {
        bench_counts_track(dnasync_home_dht(h));
        bench_wait_nodes(dnasync_home_dht(h), 3);
    }
    sync_context_t *s = dnasync_home_sync(h);
    sent_t a = sent_now(h);
    size_t down = 0;
    if (sync_pass(s, NULL, &down, NULL) != 0)
        bench_die("%s catch-up: %s", mode, sync_errmsg(s));
    if (down != n)
        bench_die("%s catch-up got %zu of %zu", mode, down, n);
    sent_t b = sent_now(h);
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
    return 0;
}
