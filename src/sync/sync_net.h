/* Internal: the engine's network calls, through the context's transport (sync_net.c). */
#ifndef DNASYNC_SYNC_NET_H
#define DNASYNC_SYNC_NET_H

#include "dht/dht_keys.h"
#include "net/net.h"
#include "sync/sync_context.h"

#include <stddef.h>
#include <stdint.h>

/* One value to put (net/net.h): key, val, len, kind (enum sv_kind), vid, created; ok out. */
typedef dnasync_net_put_t net_put_t;
typedef int (*net_value_cb)(void *user, uint64_t vid, const uint8_t *val, size_t len);

#define net_key_box(mailbox, day, shard, key) dht_key_box(key, mailbox, day, (int)(shard))
#define net_key_sum(mailbox, day, key) dht_key_sum(key, mailbox, day)
#define net_key_id(name, key) dht_key_id(key, name)
#define net_key_bell(mailbox, day, key) dht_key_bell(key, mailbox, day)
/* Ring doorbells, all at once (best effort): each a copy of an uploaded value at its mailbox's
 * bell key for the day (net_key_bell). */
void net_ring(sync_context_t *ctx, net_put_t *bells, size_t n);
/* Tell the transport these keys are read or put next (its optional warm op; nothing otherwise). */
void net_warm(sync_context_t *ctx, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES], size_t n);
int net_put_many(sync_context_t *ctx, net_put_t *items, size_t n);
int net_get(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], net_value_cb cb,
            void *user);
int net_list_ids(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                 size_t *n);
int net_get_ids(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                size_t n, net_value_cb cb, void *user);
/* Several gets at once (a thread each; every transport is thread-safe). Each item gets its own
 * rc and values; free them with net_multi_free. look (may be NULL): with a transport that has
 * get_first, runs on the calling thread for each item's first answer as it comes, while the
 * reads go on (view: that one node's values, borrowed for the call; a hint, never a complete
 * read: docs/sync.md "First look"). */
typedef dnasync_net_multi_t net_multi_t; /* key in; rc, vals, count out */
typedef void (*net_first_cb)(void *user, size_t item, const net_multi_t *view);
void net_get_many(sync_context_t *ctx, net_multi_t *items, size_t n, net_first_cb look, void *user);
/* cb for each value of an item (in order); stops at the first non-zero return. */
/* Every value of item to cb, starting at index start (mod count) and wrapping round. */
int net_multi_each(const net_multi_t *item, size_t start, net_value_cb cb, void *user);
void net_multi_free(net_multi_t *items, size_t n);
/* Listen on key: cb(user, ...) runs on a transport thread for each value put there. */
int net_listen(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
               dnasync_net_listen_cb cb, void *user, void **token);
/* 1 while the listen hears its key, 0 when it may not (listen again), negative: unknown; a
 * transport that cannot tell says 1 (net.h, listen_alive). */
int net_listen_alive(sync_context_t *ctx, void *token);
void net_listen_cancel(sync_context_t *ctx, void *token);
/* The transport's routing table as text (net/net.h `nodes`); DNASYNC_ENOTFOUND when it has
 * none. */
int net_nodes(sync_context_t *ctx, char *buf, size_t len, uint32_t *count);
/* The transport's retry_nodes, when it has one. */
void net_retry_nodes(sync_context_t *ctx);

#endif
