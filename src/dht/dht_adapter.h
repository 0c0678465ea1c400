/* Internal: the one C++17 adapter over OpenDHT 2.4.12, seen from C.
 *
 * It runs a dht::Dht on its own loop thread (not dht::DhtRunner: DhtRunner always wraps every
 * registered type in SecureDht::secureType, whose store policy accepts any correctly
 * OpenDHT-signed value without asking ours — the way into crash bug 1 of
 * ../shared/notes/opendht-2.4-facts.md). With a plain dht::Dht our store and edit policies see
 * every value, so OpenDHT-signed/encrypted values are refused and can never be stored.
 *
 * Threading: every function may be called from any thread except where noted. Callbacks
 * (dnad_done_cb, dnad_value_cb) run on the adapter's loop thread ("the DHT thread"); they must not
 * block for long and must not call dnad_stop. Blocking calls wait at most their timeout.
 * Ownership is noted per function. */
#ifndef DNASYNC_DHT_ADAPTER_H
#define DNASYNC_DHT_ADAPTER_H

#include "dht/dht_keys.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnad_node dnad_node_t;

typedef struct dnad_config {
    const char *bind;        /* address to bind (IPv4 or IPv6 literal); NULL = "127.0.0.1" */
    uint16_t port;           /* 0 = any (or the port saved in persist_dir) */
    uint32_t network_id;     /* OpenDHT network id; nodes only talk within one id */
    int64_t max_store_size;  /* bytes this node stores for others; 0 = OpenDHT default 64 MiB */
    int32_t max_req_per_sec; /* 0 = OpenDHT default (8192) */
    int32_t max_peer_req_per_sec; /* 0 = OpenDHT default (max_req_per_sec / 8) */
    const char *persist_dir;      /* NULL = no persistence; else routing table + values survive */
    int persist_interval_s;       /* values saved every N s (0 = DNAD_PERSIST_INTERVAL_S, < 0 =
                                     only at dnad_stop) */
    int strict_types;             /* 1: a refusing policy on every type id dnasync does not use */
    int maintain_storage; /* 1 (storage nodes): hand values on to a key's closest nodes, also
                             at stop; 0 (devices, whose puts others confirmed): stop at once */
    int log_level;        /* 0 quiet, 1 errors and warnings, 2 debug (stderr) */
} dnad_config_t;

#define DNAD_PERSIST_INTERVAL_S 60

typedef struct dnad_stats {
    uint64_t values;      /* values stored on this node */
    uint64_t store_bytes; /* their size */
    uint32_t nodes_good;  /* routing table, IPv4 + IPv6 */
    uint32_t nodes_dubious;
    uint32_t searches; /* OpenDHT searches held (one per key used within its 62 min expiry) */
    uint16_t port;     /* bound port */
    char node_id[41];  /* hex */
    uint64_t refused;  /* values refused by the policies since start */
    uint64_t sent[5];  /* OpenDHT requests this node sent since start: ping, find, get (each
                          paginated step counts), listen, put */
} dnad_stats_t;

typedef struct dnad_value {
    uint64_t id;
    uint16_t type;
    uint8_t *data; /* owned by the array; see dnad_values_free */
    size_t len;
} dnad_value_t;

/* ok: 1 when OpenDHT reported success (a lone node reports 0 but has stored the value). */
typedef void (*dnad_done_cb)(void *user, int ok);
/* One value seen by a listen; data borrowed for the call. expired: 1 when it left the DHT. */
typedef void (*dnad_value_cb)(void *user, const uint8_t *data, size_t len, uint16_t type,
                              uint64_t id, int expired);

/* Start a node. err gets a one-line reason on failure. *out freed with dnad_stop. */
int dnad_start(const dnad_config_t *cfg, dnad_node_t **out, char *err, size_t errlen);
/* Clean stop: waits (bounded, timeout_ms) for pending puts, saves state when persisting, joins
 * the thread. No callback runs after it returns. NULL is fine. */
void dnad_stop(dnad_node_t *n, int timeout_ms);
/* Save the stored values now (persisting nodes; others: 0 at once): exported on the DHT thread,
 * written to a temp file, fsynced and renamed over <persist_dir>/values.msgpack only when
 * complete. A failure keeps the previous file and is logged. 0 ok, DNASYNC_EIO, DNASYNC_ETIMEOUT.
 * Must not be called from a DHT callback. */
int dnad_save(dnad_node_t *n, int timeout_ms);

/* Bootstrap: host and port strings; resolution and retries happen on the DHT thread. */
int dnad_bootstrap(dnad_node_t *n, const char *host, const char *port);

/* Asynchronous put. age_ms: how long ago the value was created (backdating; 0 = now). cb may be
 * NULL; it runs once, on the DHT thread. 0 when queued. */
int dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
             size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb, void *user);

/* Blocking get of a key: every value (ids == NULL) or the values with the given ids (each with
 * Where().id, evaluated by the storing nodes). *out is an array of *count values; free with
 * dnad_values_free. Per id: the newest edition (edit policy), plus any version that is no
 * edition of it. 0 ok, DNASYNC_ETIMEOUT (nothing returned), DNASYNC_ENOMEM. */
int dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
             size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count);
void dnad_values_free(dnad_value_t *v, size_t count);
/* dnad_get of a whole key that also hands over the first answer holding values: first(user,
 * vals, count) runs at most once, on the DHT thread, before dnad_get_first returns (never after),
 * with that answer's values (the callee owns them: dnad_values_free); it must be short. That
 * answer is one node's view, possibly an older edition (the local store answers first); the
 * values returned are every node's, merged as dnad_get merges them. */
typedef void (*dnad_first_cb)(void *user, dnad_value_t *vals, size_t count);
int dnad_get_first(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                   dnad_first_cb first, void *user, dnad_value_t **out, size_t *count);

/* Blocking id listing without payloads (query Select(Id)). *ids malloc'd; caller frees. */
int dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                  uint64_t **ids, size_t *count);

/* Asynchronous id listing (the same query): cb runs exactly once, on the DHT thread (or, when the
 * node stops before the query ran, in dnad_stop), with ok 1 when the query ended (as dnad_list_ids
 * counts it) and the ids seen (borrowed for the call; the node's own copy included), ok 0 when it
 * never ran.
 * 0 when queued; otherwise cb is never called. */
typedef void (*dnad_ids_cb)(void *user, int ok, const uint64_t *ids, size_t count);
int dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_ids_cb cb,
                        void *user);

/* Asynchronous proof of storage: whether a node other than this one answers a get of `id` at key
 * with exactly these bytes (OpenDHT's put "ok" is sent whether or not the storing node kept the
 * value, and a listing's first answer is usually this node's own store; docs/dht.md "Reliable
 * puts"). data is copied. cb runs exactly once, on the DHT thread (or, when the node stops before
 * the get ran, in dnad_stop): ok 1 when the get ended, 0 when it never ran; remote 1 when another
 * node's answer held the bytes (the get ends at the first); local 1 when this node's own store
 * holds them. 0 when queued; otherwise cb is never called. */
typedef void (*dnad_held_cb)(void *user, int ok, int remote, int local);
int dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                    const uint8_t *data, size_t len, dnad_held_cb cb, void *user);

/* Listen. Returns once the listen is registered with the local node (then every value stored
 * locally has been or is being delivered, and later values will be); *token for cancel. */
int dnad_listen(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_value_cb cb,
                void *user, int timeout_ms, uint64_t *token);
/* 1 when the listen's search holds a current listen on its closest nodes, 0 when not (not yet,
 * between refreshes, or for good: an expired search); DNASYNC_ENOTFOUND, DNASYNC_ETIMEOUT. */
int dnad_listen_alive(dnad_node_t *n, uint64_t token, int timeout_ms);
/* After it returns, cb is never called again for this token (may be called from cb itself). */
int dnad_listen_cancel(dnad_node_t *n, uint64_t token);

int dnad_get_stats(dnad_node_t *n, int timeout_ms, dnad_stats_t *out);
/* The routing table's good nodes (those that answered recently; OpenDHT's exportNodes), as
 * "ADDR:PORT" separated by spaces into buf (NUL-terminated, cut at len). *count gets how many
 * there are. 0 ok, DNASYNC_ETIMEOUT, DNASYNC_EDHT. */
int dnad_nodes(dnad_node_t *n, int timeout_ms, char *buf, size_t len, uint32_t *count);
/* Give every node this one gave up on another chance (OpenDHT's connectivityChanged: their
 * "expired" mark is cleared, buckets are refreshed). Queued; 0, or DNASYNC_EDHT when stopped. */
int dnad_retry_nodes(dnad_node_t *n);
/* What this node's own store holds (OpenDHT getLocal; no network request): at key, or at every
 * key when key is NULL; at most max entries (*truncated 1 when more were held). *out malloc'd
 * array of *count; caller frees. 0 ok, DNASYNC_ETIMEOUT, DNASYNC_ENOMEM, DNASYNC_EDHT. */
typedef struct dnad_local {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    uint64_t id;
    uint16_t type;
    size_t len;
    uint64_t version; /* a summary's counter (its edition), else 0 */
} dnad_local_t;
int dnad_local(dnad_node_t *n, const uint8_t *key, size_t max, int timeout_ms, dnad_local_t **out,
               size_t *count, int *truncated);
uint16_t dnad_bound_port(const dnad_node_t *n);

/* Node-side checks, exposed for tests: 1 when a node would store these bytes as `type`. */
int dnad_policy_store_ok(uint16_t type, uint64_t id, const uint8_t *data, size_t len);
/* 1 when a node holding `held` (same key, type and id) would take `data` in its place: the same
 * bytes (a refresh) or a later edition by the same author (the edit policy). */
int dnad_policy_edit_ok(uint16_t type, uint64_t id, const uint8_t *held, size_t held_len,
                        const uint8_t *data, size_t len);
/* 1 when a node would store these bytes as `type` at key: dnad_policy_store_ok and the key rule
 * (a summary or a bundle only at its own key); caps not included. */
int dnad_policy_key_ok(const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint16_t type, uint64_t id,
                       const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
