/* A day's differing shards read ahead (sync_readahead.h). One after another, a catch-up's 128
 * shards cost 128 round trips and every departed node in a new key's search ~1.1 s in turn
 * (issue 14's trace: 5 such shards took 5.5 s of an 8.7 s sync). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_readahead.h"

#include "common/cond.h"
#include "common/err.h"
#include "sync/sync_context.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The workers only wait on the transport (the gateway's listen threads run libcurl on as much). */
#define RA_STACK (256 * 1024)

struct readahead {
    dnasync_net_t *net;
    ra_shard_t *shards;
    size_t n;
    size_t started;  /* shards whose reads began */
    size_t handed;   /* shards ra_next handed over */
    size_t released; /* shards ra_done freed: reads may begin up to released + SYNC_READ_AHEAD */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[SYNC_READ_AHEAD];
    size_t n_th;
};

static bool is_held(const ra_shard_t *s, uint64_t id)
{
    size_t lo = 0, hi = s->n_held;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->held[mid] == id)
            return true;
        if (s->held[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int add_values(ra_shard_t *s, dnasync_net_value_t *got, size_t n)
{
    dnasync_net_value_t *all = n ? realloc(s->vals, (s->count + n) * sizeof *all) : s->vals;
    if (n && !all) {
        dnasync_net_values_free(got, n);
        return dnasync_err_buf(s->err, sizeof s->err, DNASYNC_ENOMEM, "out of memory");
    }
    if (n)
        memcpy(all + s->count, got, n * sizeof *got);
    s->vals = all;
    s->count += n;
    free(got); /* the payloads moved to all */
    return 0;
}

/* The listing, then the ids not held, a chunk a request (a worker's whole job on one shard). */
static void read_shard(dnasync_net_t *net, ra_shard_t *s)
{
    s->rc = net->ops->list_ids(net, s->key, &s->ids, &s->n_ids, s->err);
    size_t keep = 0;
    for (size_t i = 0; s->rc == 0 && i < s->n_ids; i++)
        if (!is_held(s, s->ids[i]))
            s->ids[keep++] = s->ids[i];
    if (s->rc == 0)
        s->n_ids = keep;
    for (size_t i = 0; s->rc == 0 && i < s->n_ids; i += SYNC_FETCH_CHUNK) {
        size_t k = s->n_ids - i < SYNC_FETCH_CHUNK ? s->n_ids - i : SYNC_FETCH_CHUNK;
        dnasync_net_value_t *got = NULL;
        size_t n = 0;
        s->rc = net->ops->get_ids(net, s->key, s->ids + i, k, &got, &n, s->err);
        if (s->rc == 0)
            s->rc = add_values(s, got, n);
    }
    if (s->rc != 0) { /* a failed shard is applied as nothing, as a rolled-back read was */
        dnasync_net_values_free(s->vals, s->count);
        s->vals = NULL;
        s->count = 0;
    }
}

/* Under mu: wait a slice for a change (every wait ends: the reads are bounded by the transport's
 * timeout, the window by the engine, which always ends with ra_stop). */
static void wait_slice(readahead_t *r)
{
    struct timespec ts;
    dnasync_deadline_ms(&ts, 1000);
    pthread_cond_timedwait(&r->cv, &r->mu, &ts);
}

/* Under mu: read shard s without mu, then wake whoever waits for it. */
static void read_unlocked(readahead_t *r, ra_shard_t *s)
{
    r->started++;
    pthread_mutex_unlock(&r->mu);
    read_shard(r->net, s);
    pthread_mutex_lock(&r->mu);
    s->ended = true;
    pthread_cond_broadcast(&r->cv);
}

static void *worker(void *arg)
{
    readahead_t *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop && r->started < r->n) {
        if (r->started >= r->released + SYNC_READ_AHEAD)
            wait_slice(r); /* the window is full until the engine frees a shard */
        else
            read_unlocked(r, &r->shards[r->started]);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* The shards past the first SYNC_READ_AHEAD wait for a worker; their searches start now, so the
 * ~1.1 s wait for a departed node in each new key's search (dht_warm.h) is taken by all of them
 * at once instead of SYNC_READ_AHEAD at a time (BENCHMARKS.md: 48 such waits in 6 waves). */
static void warm_rest(dnasync_net_t *net, const ra_shard_t *shards, size_t n)
{
    if (!net->ops->warm || n <= SYNC_READ_AHEAD)
        return;
    uint8_t(*keys)[DNASYNC_DHT_KEY_BYTES] = malloc((n - SYNC_READ_AHEAD) * sizeof *keys);
    if (!keys)
        return; /* read as before, only slower */
    for (size_t i = SYNC_READ_AHEAD; i < n; i++)
        memcpy(keys[i - SYNC_READ_AHEAD], shards[i].key, DNASYNC_DHT_KEY_BYTES);
    net->ops->warm(net, keys, n - SYNC_READ_AHEAD);
    free(keys);
}

readahead_t *ra_start(dnasync_net_t *net, ra_shard_t *shards, size_t n)
{
    readahead_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->net = net;
    r->shards = shards;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        shards[i].rc = 0;
        shards[i].err[0] = '\0';
        shards[i].ids = NULL;
        shards[i].n_ids = 0;
        shards[i].vals = NULL;
        shards[i].count = 0;
        shards[i].ended = false;
    }
    warm_rest(net, shards, n);
    pthread_mutex_init(&r->mu, NULL);
    dnasync_cond_init(&r->cv);
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        (void)pthread_attr_setstacksize(&attr, RA_STACK);
    size_t want = n < SYNC_READ_AHEAD ? n : SYNC_READ_AHEAD;
    while (r->n_th < want &&
           pthread_create(&r->th[r->n_th], attr_ok ? &attr : NULL, worker, r) == 0)
        r->n_th++;
    if (attr_ok)
        pthread_attr_destroy(&attr);
    return r;
}

ra_shard_t *ra_next(readahead_t *r)
{
    pthread_mutex_lock(&r->mu);
    ra_shard_t *s = r->handed < r->n ? &r->shards[r->handed] : NULL;
    while (s && !s->ended) {
        if (r->started == r->handed)
            read_unlocked(r, s); /* no worker took it (none could start): read it here */
        else
            wait_slice(r);
    }
    r->handed += s != NULL;
    pthread_mutex_unlock(&r->mu);
    return s;
}

static void shard_free(ra_shard_t *s)
{
    free(s->ids);
    s->ids = NULL;
    s->n_ids = 0;
    dnasync_net_values_free(s->vals, s->count);
    s->vals = NULL;
    s->count = 0;
}

void ra_done(readahead_t *r, ra_shard_t *s)
{
    shard_free(s);
    pthread_mutex_lock(&r->mu);
    r->released++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void ra_stop(readahead_t *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < r->n_th; i++)
        pthread_join(r->th[i], NULL);
    for (size_t i = 0; i < r->n; i++)
        shard_free(&r->shards[i]);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
