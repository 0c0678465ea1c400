/* Warming the routing table (dht_warm.h). */
#include "dht/dht_warm.h"

#include "dht/dht_internal.h"

#include <string.h>

static void on_ended(void *user, int ok, const uint64_t *ids, size_t count)
{
    (void)ok, (void)ids, (void)count;
    dht_warm_t *w = user;
    atomic_fetch_add(&w->ended, 1);
}

void dht_warm_start(dht_storage_context_t *ctx, dht_warm_t *w)
{
    atomic_store(&w->started, 0);
    atomic_store(&w->ended, 0);
    for (int i = 0; ctx && i < DHT_WARM_KEYS; i++) {
        uint8_t key[DNASYNC_DHT_KEY_BYTES];
        memset(key, 0, sizeof key);
        key[0] = (uint8_t)(i * (256 / DHT_WARM_KEYS));
        atomic_fetch_add(&w->started, 1);
        if (dnad_list_ids_async(ctx->node, key, on_ended, w) != 0)
            atomic_fetch_sub(&w->started, 1); /* never runs: on_ended is not called */
    }
}

static void on_dropped(void *user, int ok, const uint64_t *ids, size_t count)
{
    (void)user, (void)ok, (void)ids, (void)count;
}

void dht_storage_warm_keys(dht_storage_context_t *ctx, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES],
                           size_t n)
{
    for (size_t i = 0; ctx && i < n; i++) {
        if (dht_warmed_lately(ctx, keys[i]) ||
            dnad_list_ids_async(ctx->node, keys[i], on_dropped, NULL) != 0)
            continue; /* its search is under way, or refused: not warmed */
        pthread_mutex_lock(&ctx->err_mtx);
        memcpy(ctx->warmed[ctx->warmed_next].key, keys[i], DNASYNC_DHT_KEY_BYTES);
        ctx->warmed[ctx->warmed_next].at_ms = dht_mono_ms();
        ctx->warmed[ctx->warmed_next].used = 1;
        ctx->warmed_next = (ctx->warmed_next + 1) % DHT_WARMED_RING;
        pthread_mutex_unlock(&ctx->err_mtx);
    }
}

int dht_warmed_lately(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    uint64_t now = dht_mono_ms();
    int found = 0;
    pthread_mutex_lock(&ctx->err_mtx);
    for (size_t i = 0; !found && i < DHT_WARMED_RING; i++)
        found = ctx->warmed[i].used && now - ctx->warmed[i].at_ms < DHT_WARMED_FRESH_MS &&
                memcmp(ctx->warmed[i].key, key, DNASYNC_DHT_KEY_BYTES) == 0;
    pthread_mutex_unlock(&ctx->err_mtx);
    return found;
}

int dht_warm_done(dht_storage_context_t *ctx, const dht_warm_t *w, dht_warm_state_t *st)
{
    dht_storage_stats_t s;
    int rc = dht_storage_stats(ctx, &s);
    if (rc != 0)
        return rc;
    /* stats count good and dubious nodes; a node OpenDHT gave up on is in neither */
    if (st) {
        st->answered = s.nodes_good;
        st->unanswered = s.nodes - s.nodes_good;
    }
    return atomic_load(&w->ended) >= atomic_load(&w->started) && s.nodes_good >= 1 &&
           s.nodes == s.nodes_good;
}
