#define _POSIX_C_SOURCE 200809L
#include "sync_testnet.h"

#include "check.h"
#include "dnasync/identity.h"
#include "netwait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void tnet_start(tnet_t *net, size_t n, int full_mesh)
{
    memset(net, 0, sizeof *net);
    CHECK(n >= 1 && n <= TNET_MAX);
    net->dir = test_tmpdir("sync");
    for (size_t i = 0; i < n; i++) {
        dht_storage_config_t cfg;
        dht_storage_config_default(&cfg);
        cfg.strict_types = 0;
        const char *boot[TNET_MAX];
        for (size_t k = 0; k < i; k++)
            boot[k] = net->boot[k];
        cfg.bootstrap = boot; /* every earlier node, as an operator would list them */
        cfg.n_bootstrap = i;
        if (dht_storage_init(&cfg, &net->nodes[i]) != 0) {
            fprintf(stderr, "node %zu: %s\n", i, dnasync_last_error());
            exit(1);
        }
        dht_storage_stats_t st;
        CHECK_EQ_INT(dht_storage_stats(net->nodes[i], &st), 0);
        snprintf(net->boot[i], sizeof net->boot[i], "127.0.0.1:%u", st.port);
    }
    net->n = n;
    /* Bounded wait until every node knows every other one, as in a network that has run a
     * while (a node that just joined is not yet offered to others as a storage node). */
    for (int round = 0; round < 400 && n > 1; round++) {
        size_t ready = 0;
        for (size_t i = 0; i < n; i++) {
            if (tu_peers_ready(net->nodes[i], full_mesh ? (unsigned)n - 1 : 1))
                ready++;
        }
        if (ready == n)
            break;
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
}

static uint64_t real_now(void);

void tnet_start_memory(tnet_t *net)
{
    memset(net, 0, sizeof *net);
    net->dir = test_tmpdir("sync");
    test_clock_init(&net->clock, real_now(), 1);
    CHECK_EQ_INT(dnasync_net_memory_new(&net->clock.env, &net->mem), 0);
}

void tnet_stop_node(tnet_t *net, size_t i)
{
    dht_storage_free(net->nodes[i]);
    net->nodes[i] = NULL;
}

void tnet_free(tnet_t *net)
{
    for (size_t i = 0; i < net->n; i++)
        dht_storage_free(net->nodes[i]);
    dnasync_net_free(net->mem);
    test_rmtree(net->dir);
    free(net->dir);
}

static uint64_t real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec;
}

static const dnasync_env_t *env_of(tdev_t *d, int fake_clock)
{
    static uint64_t seed = 1;
    if (!fake_clock)
        return NULL;
    test_clock_init(&d->clock, real_now(), seed++ * 7919);
    return &d->clock.env;
}

void tdev_init(tdev_t *d, tnet_t *net, const char *tag, const char *name, int fake_clock)
{
    memset(d, 0, sizeof *d);
    snprintf(d->home, sizeof d->home, "%s/%s", net->dir, tag);
    const dnasync_env_t *env = env_of(d, fake_clock);
    char err[512];
    if (dnasync_home_init(d->home, name, env, err, sizeof err) != 0) {
        fprintf(stderr, "init %s: %s\n", tag, err);
        exit(1);
    }
}

void tdev_link(tdev_t *d, tdev_t *from, tnet_t *net, const char *tag, int fake_clock)
{
    memset(d, 0, sizeof *d);
    snprintf(d->home, sizeof d->home, "%s/%s", net->dir, tag);
    const dnasync_env_t *env = env_of(d, fake_clock);
    dnasync_identity_t *id = NULL, *joined = NULL;
    char err[512] = "", *code = NULL;
    CHECK_EQ_INT(dnasync_identity_load(from->home, &id, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_linkcode_make_params(id, "test passphrase", 10, env, &code), 0);
    CHECK_EQ_INT(
        dnasync_linkcode_join(d->home, code, "test passphrase", env, &joined, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_home_prepare(d->home, env, err, sizeof err), 0);
    dnasync_identity_free(id);
    dnasync_identity_free(joined);
    free(code);
}

void tdev_open(tdev_t *d, tnet_t *net)
{
    const char *boot[TNET_MAX];
    size_t nb = 0;
    for (size_t i = 0; i < net->n; i++)
        if (net->nodes[i])
            boot[nb++] = net->boot[i];
    dnasync_home_options_t opt = {
        .env = d->clock.env.now_ms ? &d->clock.env : NULL,
        .bootstrap = boot,
        .n_bootstrap = nb,
        .network = true,
        .net = d->via ? d->via : net->mem,
    };
    char err[512];
    if (dnasync_home_open(d->home, &opt, &d->h, err, sizeof err) != 0) {
        fprintf(stderr, "open %s: %s\n", d->home, err);
        exit(1);
    }
    d->sync = dnasync_home_sync(d->h);
}

void tdev_close(tdev_t *d)
{
    dnasync_home_free(d->h);
    d->h = NULL;
    d->sync = NULL;
}

void tdev_send(tdev_t *d, const char *to, const char *text, char out[65])
{
    int rc = sync_send(d->sync, to, (const uint8_t *)text, strlen(text), out);
    if (rc != 0) {
        fprintf(stderr, "send: %s\n", sync_errmsg(d->sync));
        exit(1);
    }
}

void tdev_sync(tdev_t *d, size_t *up, size_t *down, size_t *del)
{
    size_t u = 0, x = 0, y = 0;
    int rc = sync_pass(d->sync, &u, &x, &y);
    if (rc != 0) {
        fprintf(stderr, "sync %s: %s\n", d->home, sync_errmsg(d->sync));
        exit(1);
    }
    if (up)
        *up = u;
    if (down)
        *down = x;
    if (del)
        *del = y;
}

size_t tdev_inbox(tdev_t *d, char *buf, size_t len)
{
    message_info_t *msgs = NULL;
    size_t n = 0;
    CHECK_EQ_INT(sync_list_messages(d->sync, NULL, 100000, &msgs, &n), 0);
    if (buf && len)
        buf[0] = '\0';
    for (size_t i = 0; buf && i < n; i++) {
        char *text = NULL;
        CHECK_EQ_INT(sync_open_message(d->sync, &msgs[i], &text, NULL), 0);
        if (strlen(buf) + strlen(text) + 2 < len) {
            if (i)
                strcat(buf, "|");
            strcat(buf, text);
        }
        free(text);
    }
    sync_free_messages(msgs, n);
    return n;
}

int tdev_has(tdev_t *d, const char *id)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    int rc = sync_get_message(d->sync, id, &m);
    int visible = rc == 0 && !m.deleted;
    message_info_clear(&m);
    return visible;
}

void tdev_sync_until(tdev_t *d, const char *id)
{
    for (int i = 0; i < 300; i++) {
        if (i == 20)
            fprintf(stderr, "%s: still waiting for %.16s after 20 passes\n", d->home, id);
        tdev_sync(d, NULL, NULL, NULL);
        message_info_t m;
        memset(&m, 0, sizeof m);
        int rc = sync_get_message(d->sync, id, &m);
        message_info_clear(&m);
        if (rc == 0)
            return;
        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    fprintf(stderr, "%s never received %s\n", d->home, id);
    exit(1);
}
