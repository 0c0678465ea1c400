/* Reliable puts: a paced batch (<= DNASYNC_DHT_MAX_IN_FLIGHT in flight), every item confirmed by
 * listing its key's ids, retried with exponential back-off (the one write path: the engine's
 * puts come here through net/net.h); and the checked get. A key's listing starts as soon as a put
 * to it is done, while other puts and listings are still out: a send's two mailboxes are
 * confirmed at once, not one round trip after the other (BENCHMARKS.md, row 9). */
#define _POSIX_C_SOURCE 200809L
#include "dht/dht_internal.h"

#include "common/cond.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* WAIT: to put (now or at next_try); FLIGHT: put sent; PUT: done, waiting for a listing of its
 * key; LIST: covered by the listing in flight; LISTED: its listing answered; DONE: final. */
enum { ST_WAIT, ST_FLIGHT, ST_PUT, ST_LIST, ST_LISTED, ST_DONE };

typedef struct batch {
    pthread_mutex_t m;
    pthread_cond_t c;
    int refs;
    int in_flight; /* puts */
    int lists;     /* listings */
    size_t count;
    /* per item */
    unsigned char *state;
    unsigned char *put_ok;
    unsigned char *listed; /* LISTED: 1 when its listing showed its id */
    int *list_rc;          /* LISTED: 0, or why the listing failed */
    uint64_t *next_try;
    uint64_t *vid;   /* the items' ids, for callbacks that may outlive the caller's items */
    size_t *lead;    /* the first item with the same key: a key's listing is kept there */
    unsigned *gen;   /* per lead: its listing's number (a timed-out one's late answer is dropped) */
    uint64_t *since; /* per lead: when its listing started, 0 = none in flight */
} batch_t;

typedef struct slot {
    size_t item;
    unsigned gen;
    batch_t *b;
} slot_t;

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
        free(b->listed);
        free(b->list_rc);
        free(b->next_try);
        free(b->vid);
        free(b->lead);
        free(b->gen);
        free(b->since);
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

static int has_id(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* The items a key's listing covered get its answer (caller holds b->m). */
static void listing_end(batch_t *b, size_t lead, int rc, const uint64_t *ids, size_t n)
{
    for (size_t i = lead; i < b->count; i++)
        if (b->lead[i] == lead && b->state[i] == ST_LIST) {
            b->state[i] = ST_LISTED;
            b->listed[i] = (unsigned char)(rc == 0 && has_id(ids, n, b->vid[i]));
            b->list_rc[i] = rc;
        }
    b->since[lead] = 0;
    b->lists--;
    pthread_cond_broadcast(&b->c);
}

static void on_ids(void *user, int ok, const uint64_t *ids, size_t n)
{
    slot_t *s = user;
    batch_t *b = s->b;
    pthread_mutex_lock(&b->m);
    if (b->gen[s->item] == s->gen && b->since[s->item])
        listing_end(b, s->item, ok ? 0 : DNASYNC_EDHT, ids, n);
    pthread_mutex_unlock(&b->m);
    free(s);
    batch_release(b);
}

static batch_t *batch_new(const dht_put_item_t *items, size_t count)
{
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->count = count;
    b->state = calloc(count, 1);
    b->put_ok = calloc(count, 1);
    b->listed = calloc(count, 1);
    b->list_rc = calloc(count, sizeof *b->list_rc);
    b->next_try = calloc(count, sizeof *b->next_try);
    b->vid = calloc(count, sizeof *b->vid);
    b->lead = calloc(count, sizeof *b->lead);
    b->gen = calloc(count, sizeof *b->gen);
    b->since = calloc(count, sizeof *b->since);
    pthread_mutex_init(&b->m, NULL);
    dnasync_cond_init(&b->c);
    b->refs = 1;
    if (!b->state || !b->put_ok || !b->listed || !b->list_rc || !b->next_try || !b->vid ||
        !b->lead || !b->gen || !b->since) {
        batch_release(b);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        b->vid[i] = items[i].id;
        b->lead[i] = i;
        for (size_t j = 0; j < i; j++)
            if (b->lead[j] == j && memcmp(items[j].key, items[i].key, DNASYNC_DHT_KEY_BYTES) == 0) {
                b->lead[i] = j;
                break;
            }
    }
    return b;
}

/* Start the listing of every key with done puts and none in flight; end those past the timeout
 * (caller holds b->m; it is released around the adapter's call). */
static void start_listings(dht_storage_context_t *ctx, batch_t *b, const dht_put_item_t *items)
{
    uint64_t now = dht_mono_ms();
    for (size_t l = 0; l < b->count; l++)
        if (b->lead[l] == l && b->since[l] && now - b->since[l] > (uint64_t)ctx->timeout_ms) {
            b->gen[l]++;
            listing_end(b, l, DNASYNC_ETIMEOUT, NULL, 0);
        }
    for (size_t i = 0; i < b->count && b->lists < DNASYNC_DHT_MAX_IN_FLIGHT; i++) {
        size_t l = b->lead[i];
        if (b->state[i] != ST_PUT || b->since[l])
            continue;
        slot_t *s = malloc(sizeof *s);
        if (!s)
            return;
        for (size_t j = l; j < b->count; j++) /* this listing answers for every done put */
            if (b->lead[j] == l && b->state[j] == ST_PUT)
                b->state[j] = ST_LIST;
        *s = (slot_t){l, ++b->gen[l], b};
        b->since[l] = now ? now : 1;
        b->lists++;
        b->refs++;
        pthread_mutex_unlock(&b->m);
        int rc = dnad_list_ids_async(ctx->node, items[l].key, on_ids, s);
        pthread_mutex_lock(&b->m);
        if (rc) {
            free(s);
            b->refs--;
            listing_end(b, l, rc, NULL, 0);
        }
    }
}

/* Whether the loop has work now (caller holds b->m): else it sleeps until a callback or a retry. */
static int work_ready(const batch_t *b, uint64_t now, uint64_t *wait)
{
    for (size_t i = 0; i < b->count; i++) {
        unsigned char st = b->state[i];
        if (st == ST_LISTED ||
            (st == ST_PUT && !b->since[b->lead[i]] && b->lists < DNASYNC_DHT_MAX_IN_FLIGHT))
            return 1;
        if (st == ST_WAIT && b->next_try[i] <= now && b->in_flight < DNASYNC_DHT_MAX_IN_FLIGHT)
            return 1;
        if (st == ST_WAIT && b->next_try[i] > now && b->next_try[i] - now < *wait)
            *wait = b->next_try[i] - now;
    }
    return 0;
}

int dht_put_batch(dht_storage_context_t *ctx, dht_put_item_t *items, size_t count)
{
    if (!ctx || (!items && count))
        return DNASYNC_EINVAL;
    if (count == 0)
        return 0;
    batch_t *b = batch_new(items, count);
    if (!b)
        return DNASYNC_ENOMEM;
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
    pthread_mutex_lock(&b->m);
    while (remaining > 0 && dht_mono_ms() < deadline) {
        uint64_t now = dht_mono_ms();
        if (now - nodes_checked > 2000) {
            pthread_mutex_unlock(&b->m);
            nodes = dht_known_nodes(ctx);
            pthread_mutex_lock(&b->m);
            nodes_checked = now;
        }
        /* 1. fill the window */
        for (size_t scanned = 0; scanned < count && b->in_flight < DNASYNC_DHT_MAX_IN_FLIGHT;
             scanned++, cursor = (cursor + 1) % count) {
            size_t i = cursor;
            if (b->state[i] != ST_WAIT || b->next_try[i] > now)
                continue;
            slot_t *s = malloc(sizeof *s);
            if (!s)
                break;
            *s = (slot_t){i, 0, b};
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
        /* 2. list every key whose puts are done, all at once */
        start_listings(ctx, b, items);
        /* 3. judge every item whose listing answered */
        now = dht_mono_ms();
        for (size_t i = 0; i < count; i++) {
            if (b->state[i] != ST_LISTED)
                continue;
            /* The listing includes this node's own copy, so it proves storage elsewhere only
             * together with the put's ok. A storage node without peers is the whole DHT; a
             * device's node (peers_confirm) keeps the value in its own store and confirms
             * nothing: only another node does (issue 10, D6). */
            int ok = b->listed[i] && (b->put_ok[i] || (nodes == 0 && !ctx->peers_confirm));
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
                items[i].status = b->list_rc[i] ? b->list_rc[i] : DNASYNC_EDHT;
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
        /* 4. sleep until a callback, a due retry or a listing's timeout (<= 50 ms) */
        uint64_t wait = 50;
        if (remaining > 0 && !work_ready(b, now, &wait)) {
            struct timespec ts;
            dnasync_deadline_ms(&ts, wait);
            pthread_cond_timedwait(&b->c, &b->m, &ts);
        }
    }
    pthread_mutex_unlock(&b->m);
    if (remaining > 0)
        dht_ctx_err(ctx, DNASYNC_ETIMEOUT, "%zu of %zu puts unconfirmed", remaining, count);
    else if (alone > 0)
        dht_ctx_err(ctx, DNASYNC_EDHT,
                    "no other DHT node is known: %zu of %zu values stored on this node only, "
                    "not confirmed",
                    alone, count);
    batch_release(b); /* puts and listings still in flight keep it alive */
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
