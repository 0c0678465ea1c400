/* A node binds both address families or fails (issue 10 D7): OpenDHT 2.4 binds IPv4 and IPv6
 * on their own and only logs a failure, which left a second node on a home's port IPv6-only
 * (it could reach no IPv4 peer). An explicit port that is taken is an error naming the family;
 * a port remembered from the last run that is taken now gives way to a fresh port for both. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static dht_storage_context_t *start(uint16_t port, const char *persist, const char *bootstrap,
                                    char *err, size_t errlen)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.port = port;
    cfg.persist_dir = persist;
    const char *bs[1] = {bootstrap};
    if (bootstrap) {
        cfg.bootstrap = bs;
        cfg.n_bootstrap = 1;
    }
    dht_storage_context_t *ctx = NULL;
    err[0] = '\0';
    if (dht_storage_init(&cfg, &ctx) != 0) {
        snprintf(err, errlen, "%s", dnasync_last_error());
        return NULL;
    }
    return ctx;
}

static uint32_t wait_nodes(dht_storage_context_t *ctx)
{
    dht_storage_stats_t st = {0};
    for (int i = 0; i < 200; i++) { /* up to ~10 s */
        CHECK_EQ_INT(dht_storage_stats(ctx, &st), 0);
        if (st.nodes > 0)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return st.nodes;
}

int main(void)
{
    char *dir = test_tmpdir("dhtbind");
    char err[512];
    dht_storage_context_t *a = start(0, dir, NULL, err, sizeof err);
    CHECK(a);
    dht_storage_stats_t sa;
    CHECK_EQ_INT(dht_storage_stats(a, &sa), 0);
    char addr[32];
    tu_addr(a, addr);

    /* An explicit port in use: an error that says which family, never a half-bound node. */
    dht_storage_context_t *b = start(sa.port, NULL, NULL, err, sizeof err);
    if (b || !strstr(err, "IPv4")) {
        fprintf(stderr, "explicit taken port: %s, err '%s'\n", b ? "started" : "failed", err);
        exit(1);
    }

    /* The port remembered in the same persist dir is taken: a fresh port, both families, and
     * the node reaches an IPv4 peer. */
    dht_storage_context_t *c = start(0, dir, addr, err, sizeof err);
    if (!c)
        fprintf(stderr, "remembered taken port: %s\n", err);
    CHECK(c);
    dht_storage_stats_t sc;
    CHECK_EQ_INT(dht_storage_stats(c, &sc), 0);
    CHECK(sc.port != sa.port);
    CHECK(wait_nodes(c) > 0);

    dht_storage_free(c);
    dht_storage_free(a);
    test_rmtree(dir);
    free(dir);
    return 0;
}
