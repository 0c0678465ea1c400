/* `dnasync node`: runs one dnasync DHT node until SIGINT/SIGTERM. */
#define _POSIX_C_SOURCE 200809L
#include "dnasync/node.h"

#include "common/log.h"
#include "dht/dht.h"
#include "dht/dht_proxy.h"
#include "dnasync/status.h"
#include "node/gw.h"
#include "node/node_admin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODE_MAX_BOOTSTRAP 16
#define WHO "dnasync node"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fputs("usage: dnasync node [options]\n"
          "  --port N              UDP port (default 0 = any; reused from --persist)\n"
          "  --bind ADDR           address to bind (default 0.0.0.0)\n"
          "  --bootstrap HOST:PORT join the network through this node (repeatable)\n"
          "  --persist DIR         keep routing table and stored values across restarts\n"
          "  --persist-interval S  with --persist: save stored values every S seconds\n"
          "                        (default 60; a kill -9 loses at most that period)\n"
          "  --max-store-mb N      storage quota for other users' values (default 64)\n"
          "  --gateway-port N      serve the validating HTTP gateway (docs/gateway.md)\n"
          "  --gateway-bind ADDR   gateway address (default 127.0.0.1)\n"
          "  --allow-origin ORIGIN browser pages of ORIGIN may use the gateway (repeatable)\n"
          "  --gateway-rate N      requests per second per client address (default 100)\n"
          "  --web-root DIR        serve the web device from DIR (default: the installed one)\n"
          "  --proxy-port N        also run OpenDHT's raw REST proxy (for other tools)\n"
          "  --proxy-bind ADDR     proxy address (default 127.0.0.1)\n"
          "  --admin-socket PATH   answer what this node stores on a local Unix socket\n"
          "                        (mode 0600; docs/scale.md)\n"
          "  -v                    log warnings and a stats line per minute (stderr, UTC times)\n"
          "  --help                this text\n",
          f);
}

static int parse_port(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || errno || *end || v < 0 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int dnasync_node_main(int argc, char **argv)
{
    const char *bind = "0.0.0.0", *persist = NULL, *proxy_bind = "127.0.0.1";
    const char *bootstrap[NODE_MAX_BOOTSTRAP], *origins[GW_MAX_ORIGINS];
    const char *gw_bind = "127.0.0.1";
    const char *web_root = NULL;   /* --web-root */
    const char *admin_path = NULL; /* --admin-socket */
    size_t n_bootstrap = 0, n_origins = 0;
    long port = 0, proxy_port = -1, max_store_mb = 0, persist_interval = 0, gw_port_opt = -1,
         gw_rate = 0;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(a, "--port") == 0) {
            if (parse_port(next, &port) != 0) {
                fprintf(stderr, "dnasync node: --port wants 0..65535\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--proxy-port") == 0) {
            if (parse_port(next, &proxy_port) != 0 || proxy_port == 0) {
                fprintf(stderr, "dnasync node: --proxy-port wants 1..65535\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--gateway-port") == 0) {
            if (parse_port(next, &gw_port_opt) != 0) {
                fprintf(stderr, "dnasync node: --gateway-port wants 0..65535\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--gateway-rate") == 0) {
            char *end;
            gw_rate = next ? strtol(next, &end, 10) : 0;
            if (!next || *end || gw_rate <= 0 || gw_rate > 100000) {
                fprintf(stderr, "dnasync node: --gateway-rate wants 1..100000\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--allow-origin") == 0) {
            if (!next || !*next || n_origins == GW_MAX_ORIGINS) {
                fprintf(stderr, "dnasync node: --allow-origin wants a value (at most %d)\n",
                        GW_MAX_ORIGINS);
                return 2;
            }
            origins[n_origins++] = next;
            i++;
        } else if (strcmp(a, "--persist-interval") == 0) {
            char *end;
            persist_interval = next ? strtol(next, &end, 10) : 0;
            if (!next || *end || persist_interval <= 0 || persist_interval > 86400) {
                fprintf(stderr, "dnasync node: --persist-interval wants 1..86400 seconds\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--max-store-mb") == 0) {
            char *end;
            max_store_mb = next ? strtol(next, &end, 10) : 0;
            if (!next || *end || max_store_mb <= 0 || max_store_mb > 1 << 20) {
                fprintf(stderr, "dnasync node: --max-store-mb wants 1..1048576\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--bind") == 0 || strcmp(a, "--persist") == 0 ||
                   strcmp(a, "--proxy-bind") == 0 || strcmp(a, "--bootstrap") == 0 ||
                   strcmp(a, "--gateway-bind") == 0 || strcmp(a, "--web-root") == 0 ||
                   strcmp(a, "--admin-socket") == 0) {
            if (!next || !*next) {
                fprintf(stderr, "dnasync node: %s wants a value\n", a);
                return 2;
            }
            if (strcmp(a, "--bind") == 0)
                bind = next;
            else if (strcmp(a, "--persist") == 0)
                persist = next;
            else if (strcmp(a, "--proxy-bind") == 0)
                proxy_bind = next;
            else if (strcmp(a, "--gateway-bind") == 0)
                gw_bind = next;
            else if (strcmp(a, "--web-root") == 0)
                web_root = next;
            else if (strcmp(a, "--admin-socket") == 0)
                admin_path = next;
            else if (n_bootstrap < NODE_MAX_BOOTSTRAP)
                bootstrap[n_bootstrap++] = next;
            else {
                fprintf(stderr, "dnasync node: at most %d --bootstrap\n", NODE_MAX_BOOTSTRAP);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "dnasync node: unknown option '%s' (try --help)\n", a);
            return 2;
        }
    }

    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.bind = bind;
    cfg.port = (uint16_t)port;
    cfg.bootstrap = bootstrap;
    cfg.n_bootstrap = n_bootstrap;
    cfg.persist_dir = persist;
    cfg.persist_interval_s = (int)persist_interval;
    cfg.max_store_size = max_store_mb * 1024 * 1024;
    cfg.strict_types = 1; /* a public node refuses every type dnasync does not use */
    cfg.log_level = verbose ? 1 : 0;
    dht_storage_context_t *ctx = NULL;
    char err[256] = "";
    int rc = dht_storage_init(&cfg, &ctx);
    if (rc) {
        dnasync_log(DNASYNC_LOG_ERROR, WHO, "%s", dnasync_last_error());
        return rc == DNASYNC_EINVAL ? 2 : 1;
    }
    dht_storage_stats_t st;
    if (dht_storage_stats(ctx, &st) != 0) {
        dnasync_log(DNASYNC_LOG_ERROR, WHO, "%s", dht_storage_errmsg(ctx));
        dht_storage_free(ctx);
        return 1;
    }
    dht_proxy_t *proxy = NULL;
    if (proxy_port > 0) {
        char self[300];
        snprintf(self, sizeof self, "%s:%u",
                 strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1"
                 : strcmp(bind, "::") == 0    ? "::1"
                                              : bind,
                 (unsigned)st.port);
        if (dht_proxy_start(self, proxy_bind, (uint16_t)proxy_port, &proxy, err, sizeof err)) {
            dnasync_log(DNASYNC_LOG_ERROR, WHO, "proxy: %s", err);
            dht_storage_free(ctx);
            return 1;
        }
        dnasync_log(DNASYNC_LOG_INFO, WHO, "raw OpenDHT REST proxy on %s:%ld", proxy_bind,
                    proxy_port);
    }

    gw_t *gw = NULL;
    if (gw_port_opt >= 0) {
        gw_config_t gc = {.bind = gw_bind,
                          .port = (uint16_t)gw_port_opt,
                          .origins = origins,
                          .n_origins = n_origins,
                          .rate = (int)gw_rate,
                          .web_root = web_root};
        rc = gw_start(ctx, &gc, &gw, err, sizeof err);
        if (rc) {
            dnasync_log(DNASYNC_LOG_ERROR, WHO, "gateway: %s", err);
            dht_proxy_stop(proxy);
            dht_storage_free(ctx);
            return rc == DNASYNC_EINVAL ? 2 : 1;
        }
        /* Machine-readable like "listening on": tests and scripts read the port from it. */
        printf("dnasync node: gateway on http://%s%s%s:%u/\n", strchr(gw_bind, ':') ? "[" : "",
               gw_bind, strchr(gw_bind, ':') ? "]" : "", (unsigned)gw_port(gw));
    }

    node_admin_t *admin = NULL;
    if (admin_path && (rc = node_admin_open(admin_path, &admin, err, sizeof err)) != 0) {
        dnasync_log(DNASYNC_LOG_ERROR, WHO, "%s", err);
        gw_stop(gw);
        dht_proxy_stop(proxy);
        dht_storage_free(ctx);
        return rc == DNASYNC_EINVAL ? 2 : 1;
    }

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    printf("dnasync node: listening on %s:%u\n", bind, (unsigned)st.port);
    dnasync_log(DNASYNC_LOG_INFO, WHO, "node id %s, network 0x%08x%s%s", st.node_id,
                DNASYNC_DHT_NETWORK_ID, persist ? ", persisting to " : "", persist ? persist : "");
    fflush(stdout);
    fflush(stderr);

    long ticks = 0;
    while (!g_stop) {
        if (admin)
            node_admin_poll(admin, ctx, 200);
        else
            sleep_ms(200);
        if (verbose && ++ticks % 300 == 0 && dht_storage_stats(ctx, &st) == 0) {
            dnasync_log(DNASYNC_LOG_INFO, WHO, "%llu values (%llu bytes), %u nodes, %llu refused",
                        (unsigned long long)st.values, (unsigned long long)st.store_bytes,
                        (unsigned)st.nodes, (unsigned long long)st.refused);
        }
    }
    dnasync_log(DNASYNC_LOG_INFO, WHO, "stopping");
    node_admin_close(admin);
    /* State first: whatever happens while the proxy stops, the stored values are on disk. */
    if (persist && (proxy || gw))
        (void)dht_storage_save(ctx);
    gw_stop(gw); /* ends its streams and requests, cancels its DHT listens */
    dht_proxy_stop(proxy);
    dht_storage_free(ctx);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    dnasync_log(DNASYNC_LOG_INFO, WHO, "stopped");
    return 0;
}
