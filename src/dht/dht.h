/* dnasync's DHT storage layer: the spec's dht_* functions over OpenDHT 2.4.12 (docs/dht.md).
 *
 * Deviations from ../shared/spec/sync-protocol.md, and why:
 *  - keys are 20-byte OpenDHT InfoHashes (SHA-1 of a text name, dht/dht_keys.h), not 32-byte
 *    storage keys, and there are no wildcard keys: mailboxes are split into day buckets and shards;
 *  - there is no dht_storage_put_message(sender, recipient, ciphertext): the sync engine puts
 *    encoded and signed values (dht/dht_codec.h) at the keys dht/dht_keys.h names, all
 *    through dht_put_batch (the one write path), and the storage layer never holds signing keys.
 *    The lifetime is not a per-call ttl: it is the value type's (message 30 days, tombstone 60,
 *    summary 31, identity 365) from the value's `created`, applied by every storing node from its
 *    own type registry;
 *  - dht_storage_delete_message does not exist: a deletion is a separate tombstone value (its own
 *    value id) put into the deleting owner's mailbox bucket of the deletion day; the message itself
 *    stays on the DHT until it expires — see docs/dht.md;
 *  - dht_storage_get_messages_since does not exist: "since" is a set of (day, shard) keys plus an
 *    id diff (dht_list_ids) done by the sync engine.
 *
 * Threading: one context may be used from several threads at once. Every blocking call waits at
 * most cfg->timeout_ms. Listen callbacks run on the DHT thread (see dht_listen).
 * Time and randomness come from cfg->env only. */
#ifndef DNASYNC_DHT_H
#define DNASYNC_DHT_H

#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dht_storage_context dht_storage_context_t;

#define DNASYNC_DHT_NETWORK_ID 0x646e6173u /* "dnas": never mixes with the public network (0) */

/* OpenDHT value types (every dnasync node and client registers all of them). */
#define DNASYNC_DHT_TYPE_MESSAGE 0x6401
#define DNASYNC_DHT_TYPE_TOMBSTONE 0x6402
#define DNASYNC_DHT_TYPE_IDENTITY 0x6403
#define DNASYNC_DHT_TYPE_SUMMARY 0x6404
#define DNASYNC_DHT_TYPE_RECEIPT 0x6405
#define DNASYNC_DHT_TYPE_BUNDLE_MESSAGE 0x6406 /* format 2: one per kind, for the lifetime */
#define DNASYNC_DHT_TYPE_BUNDLE_TOMBSTONE 0x6407
#define DNASYNC_DHT_TYPE_BUNDLE_RECEIPT 0x6408
/* The value type of a kind (DHT_KIND_*), 0 for an unknown kind, and back (0 for a foreign type):
 * the one mapping; callers refuse 0, never guess. */
uint16_t dht_type_of_kind(int kind);
int dht_kind_of_type(uint16_t type);
#define DNASYNC_DHT_TTL_MESSAGE_DAYS 30
#define DNASYNC_DHT_TTL_TOMBSTONE_DAYS 60
#define DNASYNC_DHT_TTL_IDENTITY_DAYS 365
#define DNASYNC_DHT_TTL_SUMMARY_DAYS 31
#define DNASYNC_DHT_TTL_RECEIPT_DAYS 30
/* The lifetime of a value of that kind (DHT_KIND_*, a bundle lives as its members), in days;
 * 0 for an unknown kind. */
int dht_lifetime_days(int kind);

#define DNASYNC_DHT_DEFAULT_TIMEOUT_MS 10000
#define DNASYNC_DHT_MAX_IN_FLIGHT 16 /* dht_put_batch */
#define DNASYNC_DHT_MAX_ATTEMPTS 5   /* dht_put_batch: tries per item */
/* dht_put_batch: keys whose searches are started ahead of their puts, at most this many at once:
 * a mailbox-day's shards; a listing is one small request to each node, so a storing node gets
 * at most this many at once, far below OpenDHT's 1,024 requests/s per source address. */
#define DNASYNC_DHT_SEARCHES_AHEAD 128

typedef struct dht_storage_config {
    const dnasync_env_t *env;     /* NULL = real clock and RNG */
    const char *bind;             /* address to bind; NULL = "127.0.0.1" */
    uint16_t port;                /* 0 = any */
    const char *const *bootstrap; /* "HOST:PORT" ("[v6]:PORT" for IPv6), n_bootstrap of them */
    size_t n_bootstrap;
    int64_t max_store_size;       /* bytes stored for others; 0 = OpenDHT default (64 MiB) */
    int32_t max_req_per_sec;      /* 0 = OpenDHT default (8192) */
    int32_t max_peer_req_per_sec; /* 0 = default: 8192 when bound to loopback, else 1024 */
    const char *persist_dir;      /* NULL = nothing persisted */
    int persist_interval_s;       /* stored values saved every N s (0 = 60, < 0 = only at stop) */
    int strict_types;             /* refuse every type id dnasync does not use (costs ~10 MB) */
    int timeout_ms;               /* per blocking call; 0 = DNASYNC_DHT_DEFAULT_TIMEOUT_MS */
    int log_level;                /* 0 quiet, 1 warnings, 2 debug (stderr) */
    int peers_confirm; /* 1 (a device's own node): a put is confirmed only when another node
                          stored it, so a node that knows no peer confirms nothing; 0 (storage
                          nodes): this node's own store counts too */
} dht_storage_config_t;

/* Zeroes cfg: loopback, any port, no bootstrap, defaults everywhere. */
void dht_storage_config_default(dht_storage_config_t *cfg);

/* Start a node (a lone node already works as a local store) and bootstrap. *out freed with
 * dht_storage_free. On failure *out is NULL and the reason is the thread's dnasync_last_error(). */
int dht_storage_init(const dht_storage_config_t *cfg, dht_storage_context_t **out);
/* Waits (bounded) for pending puts, then stops. No callback runs after it returns. NULL ok. */
void dht_storage_free(dht_storage_context_t *ctx);
/* With persist_dir: save the stored values now (temp file, fsync, rename; a failure keeps the
 * previous file and is logged). 0 at once without persist_dir. */
int dht_storage_save(dht_storage_context_t *ctx);
/* The reason of this thread's last failed call on ctx (its dnasync_last_error()); a thread that
 * made none gets a copy of ctx's last failure on any thread, read under ctx's lock. Borrowed,
 * valid until the next call on ctx from the same thread. Never NULL. */
const char *dht_storage_errmsg(const dht_storage_context_t *ctx);

/* Add a bootstrap node "HOST:PORT". */
int dht_bootstrap(dht_storage_context_t *ctx, const char *host_port);

/* A raw value as the DHT holds it. */
typedef struct dht_raw_value {
    uint64_t id;
    uint16_t type;
    uint8_t *data; /* owned by the array */
    size_t len;
} dht_raw_value_t;
void dht_raw_values_free(dht_raw_value_t *v, size_t count);

/* Put one value and wait for OpenDHT's answer. created: Unix s the value was first put
 * (backdating; 0 = now) — the storing nodes expire it at created + its type's lifetime.
 * Checks locally first: size (DNASYNC_ETOOBIG, never a network timeout) and, for dnasync types,
 * the same policy storing nodes apply (DNASYNC_ECORRUPT / DNASYNC_EAUTH).
 * 0 when OpenDHT reported ok or the node has no peers yet (stored locally), DNASYNC_EDHT,
 * DNASYNC_ETIMEOUT. NOTE: "ok" is not proof of storage (a refusing node sends it too);
 * dht_put_batch confirms by another node's copy. */
int dht_put(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
            const uint8_t *value, size_t len, uint16_t type, uint64_t id, uint64_t created);

/* 1 when the storing nodes, holding `held` under some key with this type and value id, take
 * `value` in its place: the same bytes (a refresh) or a later edition by the same author (a
 * summary with a higher counter, a later identity claim; docs/dht.md "Types"); else 0: they keep
 * `held` and refuse `value`, so a put of it is never confirmed as stored. */
int dht_edit_ok(uint16_t type, uint64_t id, const uint8_t *held, size_t held_len,
                const uint8_t *value, size_t len);

/* The storing nodes' caps (docs/dht.md "Caps"): 1 when a key that holds `held` values (ids),
 * `by_author` of them summaries signed by the new value's key, has room for a new id of `kind`;
 * else 0 and why (may be NULL) names the cap. Edits and refreshes of a held id are not capped. */
int dht_caps_room(int kind, size_t held, size_t by_author, char *why, size_t whylen);

/* All values of a key. *out (array of *count) freed with dht_raw_values_free. Where nodes hold
 * different editions of one id (a summary edited in place, an identity record), the newest
 * edition by the nodes' edit policy is returned, whichever node answered first; versions of one
 * id that are not editions of each other (another author) are all returned, so an id may appear
 * more than once. */
int dht_get(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
            dht_raw_value_t **out, size_t *count);
/* dht_get that also hands over the first answer holding values, before the slowest node's:
 * first(user, vals, count) runs at most once, on the DHT thread, before dht_get_first returns;
 * it owns vals (dht_raw_values_free) and must be short. That answer is one node's view (maybe an
 * older edition): a hint, never a complete read. *out as dht_get. */
typedef void (*dht_first_cb)(void *user, dht_raw_value_t *vals, size_t count);
int dht_get_first(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                  dht_first_cb first, void *user, dht_raw_value_t **out, size_t *count);
/* Value ids of a key, without payloads. *ids malloc'd; caller frees with free(). */
int dht_list_ids(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 uint64_t **ids, size_t *count);
/* The values with these ids (missing ones are just absent). Freed with dht_raw_values_free. */
int dht_get_by_ids(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                   const uint64_t *ids, size_t n_ids, dht_raw_value_t **out, size_t *count);

/* Listen callback: runs on the DHT thread, value borrowed for the call; keep it short, do not
 * call dht_storage_free from it (dht_listen_cancel is fine). expired = 1 when the value left. */
typedef void (*dht_listen_cb)(void *user, const dht_raw_value_t *value, int expired);
/* Returns when the listen is registered on the local node: values already known are delivered
 * right after, later ones as they arrive. Remote registration is not observable in OpenDHT
 * 2.4.12, so a caller that must not miss anything does a dht_get after dht_listen. */
int dht_listen(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
               dht_listen_cb cb, void *user, uint64_t *token);
/* 1 when the listen is established on the key's closest nodes, 0 when it is not (its search
 * lost them all: OpenDHT 2.4.12 never tells the callback; dht_listen again), or a code. */
int dht_listen_alive(dht_storage_context_t *ctx, uint64_t token);
/* After it returns the callback is never called again for token. */
int dht_listen_cancel(dht_storage_context_t *ctx, uint64_t token);

/* Reliable batch put: at most DNASYNC_DHT_MAX_IN_FLIGHT puts in flight (the searches of the keys
 * not reached yet are started ahead, up to DNASYNC_DHT_SEARCHES_AHEAD at once, so their waits for
 * departed nodes overlap), each confirmed only
 * when a node other than this one answers a get of its id with its exact bytes (never trusting
 * a put's "ok"; a storage node without peers: its own store; docs/dht.md "Reliable puts");
 * unconfirmed items are retried with exponential back-off, at most DNASYNC_DHT_MAX_ATTEMPTS tries.
 * Per-item result in status (0 confirmed, else a negative code) and attempts. Returns the number
 * confirmed, or a negative code for a bad argument. */
typedef struct dht_put_item {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    const uint8_t *value; /* borrowed for the call */
    size_t len;
    uint16_t type;
    uint64_t id;
    uint64_t created;  /* Unix s, 0 = now: the rule of net/net.h's `created` */
    int status;        /* out */
    unsigned attempts; /* out */
} dht_put_item_t;
int dht_put_batch(dht_storage_context_t *ctx, dht_put_item_t *items, size_t count);

/* Best effort (the doorbells): every item's put queued at once, then each answer awaited (one
 * timeout for all); status as dht_put returns it (OpenDHT's "ok", no listing, no retry).
 * Returns how many reported ok, or a negative code for a bad argument. */
int dht_put_each(dht_storage_context_t *ctx, dht_put_item_t *items, size_t count);

typedef struct dht_storage_stats {
    uint64_t values; /* values this node stores */
    uint64_t store_bytes;
    uint32_t nodes;      /* good + dubious nodes in the routing table */
    uint32_t nodes_good; /* of which answered recently (a put or get can use them now) */
    /* OpenDHT searches the node holds: one per key it used in the last 62 minutes, done ones
     * included; OpenDHT 2.4 walks them for every datagram it receives from a node, so a node's
     * CPU per request grows with them (bench/BENCHMARKS.notes.md, 13c) */
    uint32_t searches;
    uint16_t port;    /* bound UDP port */
    char node_id[41]; /* hex */
    uint64_t refused; /* values the policies refused since start */
    /* OpenDHT protocol requests this node sent since start (what the wire carries, below the
     * dnasync calls: a get of one value id is a SELECT id then a get, to every storing node). */
    uint64_t sent_find, sent_get, sent_put, sent_listen, sent_ping;
} dht_storage_stats_t;
int dht_storage_stats(dht_storage_context_t *ctx, dht_storage_stats_t *out);
/* The routing table's good nodes as "ADDR:PORT ..." into buf (cut at len), *count of them
 * (`watch --log-passes`, docs/cli.md: which side of a healed cut a device's node knows). */
int dht_storage_nodes(dht_storage_context_t *ctx, char *buf, size_t len, uint32_t *count);
/* Forget which nodes stopped answering: OpenDHT marks a node expired after three unanswered
 * tries and never asks it again until a packet comes from it, so a node that was cut off
 * from part of the network keeps skipping that part after the cut heals (docs/scale.md, (c)).
 * Takes effect before any call made after it on ctx. */
int dht_storage_retry_nodes(dht_storage_context_t *ctx);

/* Start the searches of keys[0..n) and return at once: an id listing each, its answer dropped,
 * only the search it leaves behind kept (OpenDHT keeps a search a while after its last call). A
 * read or put of one of these keys made soon after finds its search under way or done, so the
 * waits of the keys' new searches for departed nodes (~1.1 s each in OpenDHT 2.4.12, dht_warm.h)
 * overlap instead of coming in turn. Costs one listing per key; a key warmed in the last 30 s is
 * skipped (its search is still there). */
void dht_storage_warm_keys(dht_storage_context_t *ctx, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES],
                           size_t n);

/* What this node's own store holds (no network request; `dnasync node --admin-socket`): the
 * values at key, or at every key when key is NULL, at most max of them (*truncated 1 when it
 * held more). *out (array of *count) freed with free(). */
typedef struct dht_local_value {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    uint64_t id;
    uint16_t type;
    size_t len;
    uint64_t version; /* a summary's counter (which edition this node holds), else 0 */
} dht_local_value_t;
int dht_storage_local(dht_storage_context_t *ctx, const uint8_t *key, size_t max,
                      dht_local_value_t **out, size_t *count, int *truncated);

/* Get a key and keep only values of dnasync types that decode strictly, verify, and whose value
 * id matches; *out (array of *count) freed with dht_values_free; *rejected (may be NULL) counts
 * the rest. */
int dht_storage_get_values(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                           dht_value_t **out, size_t *count, size_t *rejected);
void dht_values_free(dht_value_t *v, size_t count);

#ifdef __cplusplus
}
#endif
#endif
