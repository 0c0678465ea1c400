/* Reliable puts: a paced batch (<= DNASYNC_DHT_MAX_IN_FLIGHT in flight), every item confirmed only
 * when another node is shown to hold its exact bytes (dnad_held_async), retried with exponential
 * back-off (the one write path: the engine's puts come here through net/net.h); and the checked
 * get. An item's check starts as soon as its put is done, while other puts and checks are still
 * out: a send's two mailboxes are confirmed at once, not one round trip after the other
 * (BENCHMARKS.md, row 9). The searches of the keys the window has not reached yet are started
 * at once (an id listing each), so their waits for departed nodes overlap (docs/dht.md
 * "Reliable puts"). */
#define _POSIX_C_SOURCE 200809L
#include "dht/dht_internal.h"

#include "common/cond.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* WAIT: to put (now or at next_try); FLIGHT: put sent; PUT: done, its check not started; CHECK:
 * check in flight; CHECKED: the check answered; DONE: final. */
enum { ST_WAIT, ST_FLIGHT, ST_PUT, ST_CHECK, ST_CHECKED, ST_DONE };

typedef struct batch {
    pthread_mutex_t m;
    pthread_cond_t c;
    int refs;
    int in_flight; /* puts */
    int checks;    /* checks */
    int warming;   /* search warm-ups (id listings) */
    size_t count;
    /* per item */
    unsigned char *state;
    unsigned char *remote; /* CHECKED: another node answered with its bytes */
    unsigned char *local;  /* CHECKED: this node's own store holds them */
    int *check_rc;         /* CHECKED: 0, or why the check failed */
    uint64_t *next_try;
    unsigned *gen;   /* its check's number (a timed-out one's late answer is dropped) */
    uint64_t *since; /* when its check started */
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
        free(b->remote);
        free(b->local);
        free(b->check_rc);
        free(b->next_try);
        free(b->gen);
        free(b->since);
        free(b);
    }
}

/* OpenDHT's "ok" is not used: a storing node that refuses a value acknowledges it all the same
 * (docs/dht.md "A refused put looks stored"); the check decides. */
static void on_put(void *user, int ok)
{
    (void)ok;
    slot_t *s = user;
    batch_t *b = s->b;
    pthread_mutex_lock(&b->m);
    b->state[s->item] = ST_PUT;
    b->in_flight--;
    pthread_cond_broadcast(&b->c);
    pthread_mutex_unlock(&b->m);
    free(s);
    batch_release(b);
}

/* An item's check answered (caller holds b->m). */
static void check_end(batch_t *b, size_t i, int rc, int remote, int local)
{
    b->state[i] = ST_CHECKED;
    b->remote[i] = (unsigned char)(rc == 0 && remote);
    b->local[i] = (unsigned char)(rc == 0 && local);
    b->check_rc[i] = rc;
    b->checks--;
    pthread_cond_broadcast(&b->c);
}

static void on_held(void *user, int ok, int remote, int local)
{
    slot_t *s = user;
    batch_t *b = s->b;
    pthread_mutex_lock(&b->m);
    if (b->gen[s->item] == s->gen && b->state[s->item] == ST_CHECK)
        check_end(b, s->item, ok ? 0 : DNASYNC_EDHT, remote, local);
    pthread_mutex_unlock(&b->m);
    free(s);
    batch_release(b);
}

/* A warm-up listing ended; its answer is not needed, only the search it left behind. */
static void on_warmed(void *user, int ok, const uint64_t *ids, size_t count)
{
    (void)ok, (void)ids, (void)count;
    batch_t *b = user;
    pthread_mutex_lock(&b->m);
    b->warming--;
    pthread_cond_broadcast(&b->c);
    pthread_mutex_unlock(&b->m);
    batch_release(b);
}

typedef struct key_ref {
    const uint8_t *key;
    size_t item;
} key_ref_t;

static int key_ref_cmp(const void *x, const void *y)
{
    const key_ref_t *a = x, *b = y;
    int c = memcmp(a->key, b->key, DNASYNC_DHT_KEY_BYTES);
    return c ? c : (a->item > b->item) - (a->item < b->item);
}

static int size_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

/* The first item of each distinct key among the items still to put, in item order (the order
 * the window reaches them). Caller frees; NULL when out of memory (then nothing is warmed). */
static size_t *first_of_keys(const dht_put_item_t *items, const batch_t *b, size_t *nkeys)
{
    *nkeys = 0;
    key_ref_t *r = malloc(b->count * sizeof *r);
    size_t *first = malloc(b->count * sizeof *first);
    if (!r || !first) {
        free(r);
        free(first);
        return NULL;
    }
    size_t n = 0, k = 0;
    for (size_t i = 0; i < b->count; i++)
        if (b->state[i] == ST_WAIT)
            r[n++] = (key_ref_t){items[i].key, i};
    qsort(r, n, sizeof *r, key_ref_cmp);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || memcmp(r[i].key, r[i - 1].key, DNASYNC_DHT_KEY_BYTES) != 0)
            first[k++] = r[i].item;
    qsort(first, k, sizeof *first, size_cmp);
    free(r);
    *nkeys = k;
    return first;
}

/* Start the searches of the keys no put has reached yet, at most DNASYNC_DHT_SEARCHES_AHEAD out
 * (caller holds b->m; released around the adapter's call). OpenDHT 2.4.12 waits in every new
 * key's search for each departed node still in the routing table (~1.1 s, its first request
 * timeout), so a window of 16 puts over ~5 keys took those waits in turn; the searches waiting
 * together take them once. The puts stay paced: a listing is a small request. */
static void warm_keys(dht_storage_context_t *ctx, batch_t *b, const dht_put_item_t *items,
                      const size_t *first, size_t nkeys, size_t *next)
{
    while (*next < nkeys && b->warming < DNASYNC_DHT_SEARCHES_AHEAD) {
        size_t i = first[(*next)++];
        if (items[i].attempts > 0 || dht_warmed_lately(ctx, items[i].key))
            continue; /* its put is out, or the caller warmed it: its search is started */
        b->warming++;
        b->refs++;
        pthread_mutex_unlock(&b->m);
        int rc = dnad_list_ids_async(ctx->node, items[i].key, on_warmed, b);
        pthread_mutex_lock(&b->m);
        if (rc) { /* on_warmed never runs */
            b->warming--;
            b->refs--;
        }
    }
}

static batch_t *batch_new(size_t count)
{
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->count = count;
    b->state = calloc(count, 1);
    b->remote = calloc(count, 1);
    b->local = calloc(count, 1);
    b->check_rc = calloc(count, sizeof *b->check_rc);
    b->next_try = calloc(count, sizeof *b->next_try);
    b->gen = calloc(count, sizeof *b->gen);
    b->since = calloc(count, sizeof *b->since);
    pthread_mutex_init(&b->m, NULL);
    dnasync_cond_init(&b->c);
    b->refs = 1;
    if (!b->state || !b->remote || !b->local || !b->check_rc || !b->next_try || !b->gen ||
        !b->since) {
        batch_release(b);
        return NULL;
    }
    return b;
}

/* Start the check of every done put (at most DNASYNC_DHT_MAX_IN_FLIGHT out); end those past the
 * timeout (caller holds b->m; it is released around the adapter's call). */
static void start_checks(dht_storage_context_t *ctx, batch_t *b, const dht_put_item_t *items)
{
    uint64_t now = dht_mono_ms();
    for (size_t i = 0; i < b->count; i++)
        if (b->state[i] == ST_CHECK && now - b->since[i] > (uint64_t)ctx->timeout_ms) {
            b->gen[i]++;
            check_end(b, i, DNASYNC_ETIMEOUT, 0, 0);
        }
    for (size_t i = 0; i < b->count && b->checks < DNASYNC_DHT_MAX_IN_FLIGHT; i++) {
        if (b->state[i] != ST_PUT)
            continue;
        slot_t *s = malloc(sizeof *s);
        if (!s)
            return;
        *s = (slot_t){i, ++b->gen[i], b};
        b->state[i] = ST_CHECK;
        b->since[i] = now;
        b->checks++;
        b->refs++;
        pthread_mutex_unlock(&b->m);
        int rc = dnad_held_async(ctx->node, items[i].key, items[i].id, items[i].value, items[i].len,
                                 on_held, s);
        pthread_mutex_lock(&b->m);
        if (rc) {
            free(s);
            b->refs--;
            check_end(b, i, rc, 0, 0);
        }
    }
}

/* Whether the loop has work now (caller holds b->m): else it sleeps until a callback or a retry. */
static int work_ready(const batch_t *b, uint64_t now, uint64_t *wait)
{
    for (size_t i = 0; i < b->count; i++) {
        unsigned char st = b->state[i];
        if (st == ST_CHECKED || (st == ST_PUT && b->checks < DNASYNC_DHT_MAX_IN_FLIGHT))
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
    batch_t *b = batch_new(count);
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
    /* Bounded: every item gets at most DNASYNC_DHT_MAX_ATTEMPTS puts, each check is bounded by
     * the timeout, and the whole batch by a deadline proportional to its size. */
    uint64_t deadline = dht_mono_ms() + 60000u + (uint64_t)count * 200u;
    uint32_t nodes = dht_known_nodes(ctx);
    uint64_t nodes_checked = dht_mono_ms();
    size_t cursor = 0, alone = 0, unheld = 0, nkeys = 0, warm_next = 0;
    size_t *first = first_of_keys(items, b, &nkeys);
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
        /* 2. start the searches of the keys ahead of the window */
        if (first)
            warm_keys(ctx, b, items, first, nkeys, &warm_next);
        /* 3. check every item whose put is done, all at once */
        start_checks(ctx, b, items);
        /* 4. judge every item whose check answered */
        now = dht_mono_ms();
        for (size_t i = 0; i < count; i++) {
            if (b->state[i] != ST_CHECKED)
                continue;
            /* Only a copy another node sent proves the upload. A storage node without peers is
             * the whole DHT: its own store counts. A device's node (peers_confirm) keeps the value
             * in its own store and confirms nothing by itself (issue 10, D6). */
            int ok = b->remote[i] || (nodes == 0 && !ctx->peers_confirm && b->local[i]);
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
                items[i].status = b->check_rc[i] ? b->check_rc[i] : DNASYNC_EDHT;
                unheld += b->check_rc[i] == 0;
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
        /* 5. sleep until a callback, a due retry or a check's timeout (<= 50 ms) */
        uint64_t wait = 50;
        if (remaining > 0 && !work_ready(b, now, &wait)) {
            struct timespec ts;
            dnasync_deadline_ms(&ts, wait);
            pthread_cond_timedwait(&b->c, &b->m, &ts);
        }
    }
    pthread_mutex_unlock(&b->m);
    free(first);
    if (remaining > 0)
        dht_ctx_err(ctx, DNASYNC_ETIMEOUT, "%zu of %zu puts unconfirmed", remaining, count);
    else if (alone > 0)
        dht_ctx_err(ctx, DNASYNC_EDHT,
                    "no other DHT node is known: %zu of %zu values stored on this node only, "
                    "not confirmed",
                    alone, count);
    else if (unheld > 0)
        dht_ctx_err(ctx, DNASYNC_EDHT,
                    "%zu of %zu values not held by any other DHT node after %d tries (a storing "
                    "node may refuse a value and still acknowledge the put)",
                    unheld, count, DNASYNC_DHT_MAX_ATTEMPTS);
    batch_release(b); /* puts and checks still in flight keep it alive */
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
