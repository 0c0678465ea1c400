/* Internal: the storage context shared by dht.c and dht_put.c. */
#ifndef DNASYNC_DHT_INTERNAL_H
#define DNASYNC_DHT_INTERNAL_H

#include "common/err.h"
#include "dht/dht.h"
#include "dht/dht_adapter.h"

#include <pthread.h>

/* Keys remembered as warmed (a day's 128 shards of two mailboxes, their summaries and bells), and
 * for how long: an OpenDHT search outlives its last call by minutes, an upload's keys are put
 * within seconds of their warm-up. */
#define DHT_WARMED_RING 272
#define DHT_WARMED_FRESH_MS 30000

struct dht_storage_context {
    dnad_node_t *node;
    const dnasync_env_t *env;
    int timeout_ms;
    int peers_confirm; /* dht_storage_config_t.peers_confirm */
    pthread_mutex_t err_mtx;
    dnasync_err_t err;
    struct listen_tramp *tramps; /* guarded by err_mtx */
    /* Keys dht_storage_warm_keys started lately (a ring, guarded by err_mtx): dht_put_batch
     * does not list them again (dht_warmed_lately). */
    struct {
        uint8_t key[DNASYNC_DHT_KEY_BYTES];
        uint64_t at_ms; /* dht_mono_ms when sent */
        int used;
    } warmed[DHT_WARMED_RING];
    size_t warmed_next;
};

/* 1 when key's search was started by dht_storage_warm_keys in the last DHT_WARMED_FRESH_MS. */
int dht_warmed_lately(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES]);

int dht_ctx_err(dht_storage_context_t *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ms since an arbitrary start, for timeouts and back-off only (never stored). */
uint64_t dht_mono_ms(void);
/* How old a value put at `created` (Unix s, 0 = now) is, in ms, by the env's clock. */
uint64_t dht_age_ms(const dht_storage_context_t *ctx, uint64_t created);
/* Number of nodes in the routing table (0 when unknown). */
uint32_t dht_known_nodes(dht_storage_context_t *ctx);
/* Local checks every put does first. */
int dht_check_put(dht_storage_context_t *ctx, const uint8_t *value, size_t len, uint16_t type,
                  uint64_t id);

#endif
