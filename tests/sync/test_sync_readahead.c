/* A day's differing shards are read several at once (docs/sync.md "Reading shards ahead"): one
 * after another, 128 shards cost 128 round trips and each departed node in a new key's search
 * ~1.1 s in turn (issue 14's trace). A test transport around the in-memory store delays every
 * shard read a little, so reads that overlap show, and records the most in flight at once: 1
 * when the shards are read one by one, at most SYNC_READ_AHEAD with the read-ahead. Both ways a
 * day's shards are read are covered: the complete read (download_day) and the first look (a
 * transport with get_first). Real homes, cache and crypto. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync/sync_context.h"
#include "sync_testnet.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READ_DELAY_MS 20 /* long enough for a second read to start meanwhile */
#define N_MSGS 48        /* ~40 differing shards */

typedef struct wide_net {
    dnasync_net_t base;
    dnasync_net_t *inner;
    pthread_mutex_t mu;
    unsigned in_flight, max_in_flight; /* shard reads (listings, gets by id) */
    unsigned drop_lists; /* listings left that lose their last id (one node's partial view) */
} wide_net_t;

static wide_net_t *of(dnasync_net_t *net)
{
    return (wide_net_t *)net;
}

static void read_begins(wide_net_t *w)
{
    pthread_mutex_lock(&w->mu);
    if (++w->in_flight > w->max_in_flight)
        w->max_in_flight = w->in_flight;
    pthread_mutex_unlock(&w->mu);
    struct timespec ts = {0, READ_DELAY_MS * 1000000L};
    nanosleep(&ts, NULL);
}

static void read_ends(wide_net_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->in_flight--;
    pthread_mutex_unlock(&w->mu);
}

static int w_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    return of(net)->inner->ops->put(of(net)->inner, items, n, flags, err);
}

static int w_get(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    return of(net)->inner->ops->get(of(net)->inner, key, out, count, err);
}

/* The first look's transport: the whole answer first, then the complete read fails (as when
 * no node answers in time), so whatever arrives was fetched by the look. */
static int w_get_first(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                       void (*first)(void *user, dnasync_net_value_t *vals, size_t count),
                       void *user, dnasync_net_value_t **out, size_t *count,
                       char err[DNASYNC_NET_ERR_MAX])
{
    dnasync_net_value_t *now = NULL;
    size_t n = 0;
    int rc = w_get(net, key, &now, &n, err);
    if (rc != 0)
        return rc;
    if (n > 0)
        first(user, now, n); /* it owns them */
    else
        dnasync_net_values_free(now, n);
    *out = NULL;
    *count = 0;
    snprintf(err, DNASYNC_NET_ERR_MAX, "test: the complete read timed out");
    return DNASYNC_ETIMEOUT;
}

static int w_list_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                      size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    wide_net_t *w = of(net);
    read_begins(w);
    int rc = w->inner->ops->list_ids(w->inner, key, ids, count, err);
    pthread_mutex_lock(&w->mu);
    if (rc == 0 && *count > 0 && w->drop_lists > 0) {
        w->drop_lists--;
        --*count;
    }
    pthread_mutex_unlock(&w->mu);
    read_ends(w);
    return rc;
}

static int w_get_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    wide_net_t *w = of(net);
    read_begins(w);
    int rc = w->inner->ops->get_ids(w->inner, key, ids, n_ids, out, count, err);
    read_ends(w);
    return rc;
}

static int w_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    return of(net)->inner->ops->listen(of(net)->inner, key, cb, user, token, err);
}

static void w_cancel(dnasync_net_t *net, uint64_t token)
{
    of(net)->inner->ops->cancel(of(net)->inner, token);
}

static int w_stats(dnasync_net_t *net, dnasync_net_stats_t *out)
{
    return of(net)->inner->ops->stats(of(net)->inner, out);
}

static void w_free(dnasync_net_t *net)
{
    (void)net; /* the test owns it */
}

static const dnasync_net_ops_t wide_ops = {
    .put = w_put,
    .get = w_get,
    .list_ids = w_list_ids,
    .get_ids = w_get_ids,
    .listen = w_listen,
    .cancel = w_cancel,
    .stats = w_stats,
    .free = w_free,
};

static dnasync_net_ops_t look_ops; /* wide_ops with get_first (main) */

static tnet_t net;
static tdev_t desk;
static char ids[2 * N_MSGS][65];

static void wide_init(wide_net_t *w, const dnasync_net_ops_t *ops)
{
    memset(w, 0, sizeof *w);
    w->base.ops = ops;
    w->inner = net.mem;
    pthread_mutex_init(&w->mu, NULL);
}

static unsigned max_in_flight(wide_net_t *w)
{
    pthread_mutex_lock(&w->mu);
    unsigned m = w->max_in_flight;
    pthread_mutex_unlock(&w->mu);
    return m;
}

/* A new device linked to desk, reading through w. */
static void open_reader(tdev_t *d, const char *tag, wide_net_t *w)
{
    tdev_link(d, &desk, &net, tag, 1);
    d->clock.now_ms = net.clock.now_ms;
    d->via = &w->base;
    tdev_open(d, &net);
}

static void send_batch(size_t from)
{
    for (size_t i = from; i < from + N_MSGS; i++)
        tdev_send(&desk, "alice", "many shards", ids[i]);
}

static void check_verified(tdev_t *d)
{
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(d->sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
}

/* The complete read: every differing shard listed and fetched, several at once; then three
 * listings that lose an id (the whole-key read of those shards fetches it), also read ahead. */
static void test_complete_read_overlaps(void)
{
    wide_net_t w;
    wide_init(&w, &wide_ops);
    tdev_t mob;
    open_reader(&mob, "alice-mobile", &w);
    send_batch(0);
    size_t down = 0;
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, N_MSGS);
    for (size_t i = 0; i < N_MSGS; i++)
        CHECK(tdev_has(&mob, ids[i]));
    check_verified(&mob);
    unsigned m = max_in_flight(&w);
    fprintf(stderr, "most shard reads in flight: %u (read-ahead %d)\n", m, SYNC_READ_AHEAD);
    CHECK(m > 1);
    CHECK(m <= SYNC_READ_AHEAD);

    send_batch(N_MSGS);
    pthread_mutex_lock(&w.mu);
    w.drop_lists = 3;
    pthread_mutex_unlock(&w.mu);
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, N_MSGS);
    for (size_t i = N_MSGS; i < 2 * N_MSGS; i++)
        CHECK(tdev_has(&mob, ids[i]));
    CHECK_EQ_INT(w.drop_lists, 0);
    check_verified(&mob);
    CHECK(max_in_flight(&w) <= SYNC_READ_AHEAD);
    tdev_close(&mob);
    pthread_mutex_destroy(&w.mu);
}

/* The first look: its shards are read ahead too (the complete read fails here, so every
 * message that arrives was fetched by the look). */
static void test_first_look_overlaps(void)
{
    wide_net_t w;
    wide_init(&w, &look_ops);
    tdev_t web;
    open_reader(&web, "alice-web", &w);
    size_t up = 0, down = 0, del = 0;
    CHECK_EQ_INT(sync_pass(web.sync, &up, &down, &del), DNASYNC_ETIMEOUT);
    for (size_t i = 0; i < 2 * N_MSGS; i++)
        CHECK(tdev_has(&web, ids[i]));
    unsigned m = max_in_flight(&w);
    fprintf(stderr, "first look, most shard reads in flight: %u\n", m);
    CHECK(m > 1);
    CHECK(m <= SYNC_READ_AHEAD);
    tdev_close(&web);
    pthread_mutex_destroy(&w.mu);
}

int main(void)
{
    look_ops = wide_ops;
    look_ops.get_first = w_get_first;
    tnet_start_memory(&net);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    desk.clock.now_ms = net.clock.now_ms;
    tdev_open(&desk, &net);
    RUN(test_complete_read_overlaps);
    RUN(test_first_look_overlaps);
    tdev_close(&desk);
    tnet_free(&net);
    return 0;
}
