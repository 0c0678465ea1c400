/* DHT key names and buckets.
 *
 * A DHT serves exact keys only, so the spec's wildcard keys ("alice:msg:*") cannot exist. Every
 * dnasync key is the SHA-1 (20 bytes, what OpenDHT's InfoHash::get(string) computes) of a text
 * name:
 *
 *   dnasync/1/box/<mailbox>/<upload_day>/<shard>   messages and tombstones
 *   dnasync/1/sum/<mailbox>/<upload_day>           per-writer-device summaries
 *   dnasync/1/id/<name>                            identity records
 *   dnasync/1/bell/<mailbox>/<upload_day>          doorbell: one copy of the last value of
 *                                                  each upload batch, only for listeners
 *
 * upload_day = floor(first put time / DNASYNC_DAY_S) (UTC day number, decimal), shard = first byte
 * of the SHA-256 message id mod DNASYNC_DHT_SHARDS (decimal). See docs/dht.md. */
#ifndef DNASYNC_DHT_KEYS_H
#define DNASYNC_DHT_KEYS_H

#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one shard count of the protocol; the cache's DNASYNC_INDEX_SHARDS must equal it (checked by
 * a _Static_assert in src/sync/sync_context.h, the layer that sees both). */
#define DNASYNC_DHT_SHARDS 128
#define DNASYNC_DHT_KEY_BYTES 20    /* an OpenDHT InfoHash */
#define DNASYNC_DHT_KEYNAME_MAX 128 /* enough for every name below, NUL included */

/* UTC day number of a Unix time in seconds (unix_s / DNASYNC_DAY_S). */
int64_t dht_upload_day(uint64_t unix_s);

/* Shard of a message id (64 hex chars, either case): first byte mod DNASYNC_DHT_SHARDS.
 * Returns 0..127, or DNASYNC_EINVAL for a malformed id. */
int dht_shard_of(const char *message_id_hex);

/* A mailbox or identity name is usable in a key when dnasync_name_check accepts it
 * (common/names.h, the one rule). 1 if valid, 0 if not. */
int dht_name_valid(const char *name);

/* Write the key name into out (size >= DNASYNC_DHT_KEYNAME_MAX). 0 ok, DNASYNC_EINVAL for a bad
 * name, day < 0 or shard >= DNASYNC_DHT_SHARDS. */
int dht_key_name_box(char *out, size_t outlen, const char *mailbox, int64_t day, int shard);
int dht_key_name_sum(char *out, size_t outlen, const char *mailbox, int64_t day);
int dht_key_name_id(char *out, size_t outlen, const char *name);
int dht_key_name_bell(char *out, size_t outlen, const char *mailbox, int64_t day);

/* key = SHA-1(name) (no NUL), the same bytes as OpenDHT's InfoHash::get(name). */
void dht_key_hash(const char *name, uint8_t key[DNASYNC_DHT_KEY_BYTES]);

/* Convenience: name + hash in one call (name_out may be NULL). Same errors as above. */
int dht_key_box(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day, int shard);
int dht_key_sum(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day);
int dht_key_id(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *name);
/* Why a doorbell: OpenDHT 2.4.12 pushes only values with a new id to listeners, never a re-put
 * (edited) value such as a summary, so real-time devices listen here instead (docs/sync.md). */
int dht_key_bell(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day);

#ifdef __cplusplus
}
#endif
#endif
