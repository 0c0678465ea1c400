/* The transport seam: the one table of network operations the sync engine uses (docs/transport.md).
 *
 * Three transports are built in: the native OpenDHT node (dnasync_net_dht_new), the gateway
 * client over HTTP (dnasync_net_gateway_new, docs/gateway.md) and an in-memory store for
 * hermetic tests (dnasync_net_memory_new). Anything else (a test transport that drops values, a
 * platform's own HTTP stack) implements dnasync_net_ops_t: embed dnasync_net_t as the first
 * member of its own struct.
 *
 * Keys are the 20-byte DHT keys of dht/dht_keys.h; values are the signed, encoded values of
 * dht/dht_codec.h. A transport only moves bytes: the engine checks everything it reads.
 *
 * Threading: every op may be called from several threads at once (the engine reads a day's
 * summaries in parallel). Listen callbacks run on a transport thread; they must be short and
 * must not call free. */
#ifndef DNASYNC_NET_H
#define DNASYNC_NET_H

#include "dht/dht.h"
#include "dnasync/env.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_NET_ERR_MAX 256 /* size of the err buffer every op may fill */

/* One value to put. */
typedef struct dnasync_net_put {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    const uint8_t *val; /* borrowed for the call */
    size_t len;
    int kind;     /* DHT_KIND_* (dht/dht_codec.h): the value's type, hence its lifetime */
    uint64_t vid; /* value id (dht_value_id) */
    /* Unix s; storing nodes expire the value at created + its type's lifetime. The one rule:
     * when the value's content was made (a message's created_at, a tombstone's deleted_at, a
     * receipt's read_at; an identity record or a summary at its put, each put being a new
     * edition), passed unchanged on every re-put, so re-putting never lengthens a life. */
    int64_t created;
    bool ok; /* out: confirmed stored */
} dnasync_net_put_t;

/* A value read back. data is owned by the array (dnasync_net_values_free). */
typedef struct dnasync_net_value {
    uint64_t id;
    uint8_t *data;
    size_t len;
} dnasync_net_value_t;
void dnasync_net_values_free(dnasync_net_value_t *v, size_t count);

/* One key of a several-key read: rc and values out (vals freed with dnasync_net_values_free). */
typedef struct dnasync_net_multi {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    int rc;
    dnasync_net_value_t *vals;
    size_t count;
} dnasync_net_multi_t;

/* Counters for benchmarks and `status`: what this transport sent and received since it started. */
typedef struct dnasync_net_stats {
    uint64_t requests;            /* operations (or HTTP requests) sent */
    uint64_t bytes_out, bytes_in; /* payload bytes, as far as the transport can see them */
    uint32_t peers;               /* DHT: nodes in the routing table; gateway: gateways usable */
    char endpoint[128];           /* DHT: "dht"; gateway: URL in use; memory: "memory" */
} dnasync_net_stats_t;

/* Runs on a transport thread; value borrowed for the call. expired: the value left. */
typedef void (*dnasync_net_listen_cb)(void *user, uint64_t id, const uint8_t *val, size_t len,
                                      int expired);

enum {
    DNASYNC_NET_PUT_BEST_EFFORT = 1 /* one try, no confirmation (the doorbell) */
};

typedef struct dnasync_net dnasync_net_t;
/* Every op returns 0 or a dnasync/status.h code and then writes a one-line reason into err. */
typedef struct dnasync_net_ops {
    /* Put n values; each item's ok says whether it is confirmed stored. Returns non-zero only
     * when the batch as a whole could not be tried. */
    int (*put)(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
               char err[DNASYNC_NET_ERR_MAX]);
    /* All values of a key (*out caller frees with dnasync_net_values_free). */
    int (*get)(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
               dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX]);
    /* Optional (NULL: the engine runs get on several threads at once): every value of n keys,
     * each item with its own rc. */
    void (*get_many)(dnasync_net_t *net, dnasync_net_multi_t *items, size_t n);
    /* Optional (NULL: the engine has no first look): get, handing over the first answer that
     * held values before the others are waited for: first(user, vals, count) at most once, on a
     * transport thread, before get_first returns; it owns vals (dnasync_net_values_free) and
     * must be short. One node's view, maybe an older edition: a hint, never a complete read. */
    int (*get_first)(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     void (*first)(void *user, dnasync_net_value_t *vals, size_t count), void *user,
                     dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX]);
    /* Value ids of a key (*ids caller frees with free()). */
    int (*list_ids)(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                    size_t *count, char err[DNASYNC_NET_ERR_MAX]);
    /* The values with these ids; missing ones are just absent. */
    int (*get_ids)(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                   const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                   char err[DNASYNC_NET_ERR_MAX]);
    /* Values put on key from now on go to cb. A caller that must not miss anything gets the key
     * after listening. */
    int (*listen)(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                  dnasync_net_listen_cb cb, void *user, uint64_t *token,
                  char err[DNASYNC_NET_ERR_MAX]);
    /* After it returns cb is never called again for token (may be called from cb). */
    void (*cancel)(dnasync_net_t *net, uint64_t token);
    /* Optional (NULL: the listen cannot end by itself): 1 while the listen of token hears its
     * key, 0 when it may not (an OpenDHT 2.4 listen ends silently once every node of its
     * search stopped answering: docs/sync.md, "Real time"); the caller listens again and reads
     * what it may have missed. Negative: unknown. */
    int (*listen_alive)(dnasync_net_t *net, uint64_t token);
    int (*stats)(dnasync_net_t *net, dnasync_net_stats_t *out);
    /* Optional (NULL: no routing table): the nodes this transport would ask now, as text
     * ("ADDR:PORT ..." cut at len) and *count of them; for the pass log (docs/cli.md). */
    int (*nodes)(dnasync_net_t *net, char *buf, size_t len, uint32_t *count);
    /* Optional (NULL: nothing to prepare): the engine is about to read or put keys[0..n); start
     * whatever makes those calls faster and return at once (the native transport starts their
     * searches together: dht_storage_warm_keys). Nothing is read or stored by it. */
    void (*warm)(dnasync_net_t *net, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES], size_t n);
    /* Optional: ask again the nodes this transport gave up on (dht_storage_retry_nodes). */
    void (*retry_nodes)(dnasync_net_t *net);
    void (*free)(dnasync_net_t *net);
} dnasync_net_ops_t;

struct dnasync_net {
    const dnasync_net_ops_t *ops;
};

/* Frees any transport through its table; NULL is fine. */
void dnasync_net_free(dnasync_net_t *net);

/* The native transport over a running DHT node (borrowed: it must outlive the transport). */
int dnasync_net_dht_new(dht_storage_context_t *dht, dnasync_net_t **out);

/* An in-memory store, shared by every device given the same one: values expire at created +
 * their type's lifetime by env's clock (NULL = real clock); an identical id re-put keeps the
 * stored message or tombstone and replaces a summary or identity record (the nodes' edit
 * policy; the store checks no signature: readers do). Listeners are called from put. */
int dnasync_net_memory_new(const dnasync_env_t *env, dnasync_net_t **out);

/* The gateway client (docs/gateway.md): urls (http:// or https://, 1..8) are tried in order;
 * one that fails (no connection, timeout, 429, 5xx) is skipped for 5 s of env's clock (NULL =
 * real), then tried first again, so a device goes back to its first gateway once it recovers.
 * Listens hold one Server-Sent Events stream each and reconnect until cancelled. On failure
 * err gets the reason. */
int dnasync_net_gateway_new(const char *const *urls, size_t n, const dnasync_env_t *env,
                            dnasync_net_t **out, char *err, size_t errlen);
/* 0 when url looks like a gateway URL (http:// or https://, no spaces, query or fragment). */
int dnasync_net_gateway_url_check(const char *url, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
