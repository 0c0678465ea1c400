/* Reliable puts: a paced batch (<= DNASYNC_DHT_MAX_IN_FLIGHT in flight), every item confirmed by
 * listing its key's ids, retried with exponential back-off (the one write path: the engine's
 * puts come here through net/net.h); and the checked get. */
#define _POSIX_C_SOURCE 200809L
#include "dht/dht_internal.h"

#include "common/cond.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ST_WAIT = 0, ST_FLIGHT = 1, ST_PUT = 2, ST_DONE = 3 };

typedef struct slot {
    size_t item;
    int ok;
    struct batch *b;
} slot_t;

typedef struct batch {
    pthread_mutex_t m;
    pthread_cond_t c;
    int refs;
    int in_flight;
    /* per item */
    unsigned char *state;
    unsigned char *put_ok;
    uint64_t *next_try;
} batch_t;

static void batch_release(batch_t *b)
{
    pthread_mutex_lock(&b->m);
    int last = --b->refs == 0;
    pthread_mutex_unlock(&b->m);
    if (last) {
        pthread_mutex_destroy(&b->m);
        pthread_cond_destroy(&b->c);
        free(b->state);
        free(b->put_ok);
        free(b->next_try);
        free(b);
    }
}

static void on_put(void *user, int ok)
{
    slot_t *s = user;
    batch_t *b = s->b;
    pthread_mutex_lock(&b->m);
    b->state[s->item] = ST_PUT;
    b->put_ok[s->item] = (unsigned char)ok;
    b->in_flight--;
    pthread_cond_broadcast(&b->c);
    pthread_mutex_unlock(&b->m);
    free(s);
    batch_release(b);
}

static void wait_ms(batch_t *b, uint64_t ms)
{
    struct timespec ts;
    dnasync_deadline_ms(&ts, ms);
    pthread_cond_timedwait(&b->c, &b->m, &ts);
}

static int has_id(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

int dht_put_batch(dht_storage_context_t *ctx, dht_put_item_t *items, size_t count)
{
    if (!ctx || (!items && count))
        return DNASYNC_EINVAL;
    if (count == 0)
        return 0;
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return DNASYNC_ENOMEM;
    b->state = calloc(count, 1);
    b->put_ok = calloc(count, 1);
    b->next_try = calloc(count, sizeof *b->next_try);
    pthread_mutex_init(&b->m, NULL);
    dnasync_cond_init(&b->c);
    b->refs = 1;
    if (!b->state || !b->put_ok || !b->next_try) {
        batch_release(b);
        return DNASYNC_ENOMEM;
    }
    size_t remaining = 0;
    for (size_t i = 0; i < count; i++) {
        items[i].attempts = 0;
        items[i].status =
            dht_check_put(ctx, items[i].value, items[i].len, items[i].type, items[i].id);
        if (items[i].status == 0) {
            items[i].status = DNASYNC_ETIMEOUT; /* until confirmed */
            remaining++;
        } else {
            b->state[i] = ST_DONE;
        }
    }
    /* Bounded: every item gets at most DNASYNC_DHT_MAX_ATTEMPTS puts, each confirmation is
     * bounded by the timeout, and the whole batch by a deadline proportional to its size. */
    uint64_t deadline = dht_mono_ms() + 60000u + (uint64_t)count * 200u;
    uint32_t nodes = dht_known_nodes(ctx);
    uint64_t nodes_checked = dht_mono_ms();
    size_t cursor = 0, alone = 0;
    int confirmed = 0;
    while (remaining > 0 && dht_mono_ms() < deadline) {
        uint64_t now = dht_mono_ms();
        if (now - nodes_checked > 2000) {
            nodes = dht_known_nodes(ctx);
            nodes_checked = now;
        }
        /* 1. fill the window */
        pthread_mutex_lock(&b->m);
        for (size_t scanned = 0; scanned < count && b->in_flight < DNASYNC_DHT_MAX_IN_FLIGHT;
             scanned++, cursor = (cursor + 1) % count) {
            size_t i = cursor;
            if (b->state[i] != ST_WAIT || b->next_try[i] > now)
                continue;
            slot_t *s = malloc(sizeof *s);
            if (!s)
                break;
            s->item = i;
            s->b = b;
            b->state[i] = ST_FLIGHT;
            b->in_flight++;
            b->refs++;
            items[i].attempts++;
            pthread_mutex_unlock(&b->m);
            int rc = dnad_put(ctx->node, items[i].key, items[i].value, items[i].len, items[i].type,
                              items[i].id, dht_age_ms(ctx, items[i].created), on_put, s);
            pthread_mutex_lock(&b->m);
            if (rc) {
                free(s);
                b->refs--;
                b->in_flight--;
                b->state[i] = ST_DONE;
                items[i].status = rc;
                remaining--;
            }
        }
        /* 2. wait for something to finish */
        size_t ready = count;
        for (size_t i = 0; i < count; i++)
            if (b->state[i] == ST_PUT) {
                ready = i;
                break;
            }
        if (ready == count) {
            /* until a put finishes, at most 50 ms, or until the next retry is due */
            uint64_t wait = 50;
            for (size_t i = 0; i < count; i++)
                if (b->state[i] == ST_WAIT && b->next_try[i] > now && b->next_try[i] - now < wait)
                    wait = b->next_try[i] - now;
            wait_ms(b, wait);
            pthread_mutex_unlock(&b->m);
            continue;
        }
        pthread_mutex_unlock(&b->m);
        /* 3. confirm every finished item of that key with one listing */
        uint64_t *ids = NULL;
        size_t n_ids = 0;
        int lrc = dnad_list_ids(ctx->node, items[ready].key, ctx->timeout_ms, &ids, &n_ids);
        now = dht_mono_ms();
        pthread_mutex_lock(&b->m);
        for (size_t i = 0; i < count; i++) {
            if (b->state[i] != ST_PUT ||
                memcmp(items[i].key, items[ready].key, DNASYNC_DHT_KEY_BYTES) != 0)
                continue;
            /* The listing includes this node's own copy, so it proves storage elsewhere only
             * together with the put's ok. A storage node without peers is the whole DHT; a
             * device's node (peers_confirm) keeps the value in its own store and confirms
             * nothing: only another node does (issue 10, D6). */
            int ok = lrc == 0 && has_id(ids, n_ids, items[i].id) &&
                     (b->put_ok[i] || (nodes == 0 && !ctx->peers_confirm));
            if (ok) {
                b->state[i] = ST_DONE;
                items[i].status = DNASYNC_OK;
                confirmed++;
                remaining--;
            } else if (nodes == 0 && ctx->peers_confirm) {
                b->state[i] = ST_DONE; /* retrying cannot help while nobody is known */
                items[i].status = DNASYNC_EDHT;
                alone++;
                remaining--;
            } else if (items[i].attempts >= DNASYNC_DHT_MAX_ATTEMPTS) {
                b->state[i] = ST_DONE;
                items[i].status = lrc ? lrc : DNASYNC_EDHT;
                remaining--;
            } else {
                uint8_t r = 0;
                dnasync_env_random(ctx->env, &r, 1);
                /* OpenDHT sometimes fails a put at once, before any request went out (seen on
                 * ~1 in 20-100 daemon sends, done(false) 0.1 ms after the put); tried again it
                 * goes through, so a first 250 ms wait was only the tail of an interactive send
                 * (BENCHMARKS.md, row 9). So: ~10 ms, then 500, 1000, 2000 ms (+ up to 255 ms
                 * jitter), about the same total as before for puts that keep failing. */
                uint64_t backoff =
                    items[i].attempts == 1 ? 10u + r % 16u : (250u << (items[i].attempts - 1)) + r;
                b->state[i] = ST_WAIT;
                b->next_try[i] = now + backoff;
            }
        }
        pthread_mutex_unlock(&b->m);
        free(ids);
    }
    if (remaining > 0)
        dht_ctx_err(ctx, DNASYNC_ETIMEOUT, "%zu of %zu puts unconfirmed", remaining, count);
    else if (alone > 0)
        dht_ctx_err(ctx, DNASYNC_EDHT,
                    "no other DHT node is known: %zu of %zu values stored on this node only, "
                    "not confirmed",
                    alone, count);
    batch_release(b); /* puts still in flight keep it alive */
    return confirmed;
}

int dht_storage_get_values(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                           dht_value_t **out, size_t *count, size_t *rejected)
{
    if (!ctx || !key || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    if (rejected)
        *rejected = 0;
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    int rc = dht_get(ctx, key, &raw, &n);
    if (rc)
        return rc;
    dht_value_t *vals = n ? calloc(n, sizeof *vals) : NULL;
    if (n && !vals) {
        dht_raw_values_free(raw, n);
        return DNASYNC_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (dnad_policy_store_ok(raw[i].type, raw[i].id, raw[i].data, raw[i].len) &&
            dht_value_decode(raw[i].data, raw[i].len, &vals[k]) == 0) {
            k++;
        } else {
            dht_value_clear(&vals[k]);
            if (rejected)
                (*rejected)++;
        }
    }
    dht_raw_values_free(raw, n);
    if (k == 0) {
        free(vals);
        vals = NULL;
    }
    *out = vals;
    *count = k;
    return DNASYNC_OK;
}

void dht_values_free(dht_value_t *v, size_t count)
{
    if (!v)
        return;
    for (size_t i = 0; i < count; i++)
        dht_value_clear(&v[i]);
    free(v);
}
