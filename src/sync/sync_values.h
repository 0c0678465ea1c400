/* Internal: building and checking the signed values dnasync puts on the DHT (sync_values.c). */
#ifndef DNASYNC_SYNC_VALUES_H
#define DNASYNC_SYNC_VALUES_H

#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "sync/sync_context.h"

#include <stddef.h>
#include <stdint.h>

enum sv_kind {
    SV_MESSAGE = DHT_KIND_MESSAGE,
    SV_TOMBSTONE = DHT_KIND_TOMBSTONE,
    SV_SUMMARY = DHT_KIND_SUMMARY,
    SV_IDENTITY = DHT_KIND_IDENTITY,
    SV_RECEIPT = DHT_KIND_RECEIPT,
    SV_BUNDLE_MESSAGE = DHT_KIND_BUNDLE_MESSAGE,
    SV_BUNDLE_TOMBSTONE = DHT_KIND_BUNDLE_TOMBSTONE,
    SV_BUNDLE_RECEIPT = DHT_KIND_BUNDLE_RECEIPT
};
/* Kinds recorded in the cache's DHT index. */
enum {
    SV_INDEX_MESSAGE = DNASYNC_INDEX_MESSAGE,
    SV_INDEX_TOMBSTONE = DNASYNC_INDEX_TOMBSTONE,
    SV_INDEX_REJECTED = DNASYNC_INDEX_REJECTED,
    SV_INDEX_RECEIPT = DNASYNC_INDEX_RECEIPT,
    SV_INDEX_BUNDLE = DNASYNC_INDEX_BUNDLE
};

typedef struct sv_summary {
    uint8_t author[32]; /* the key that signed it (filled when read) */
    uint64_t vid;       /* its value id, computed from its content (filled when read) */
    uint8_t writer[16];
    uint64_t version;
    uint32_t count[DNASYNC_DHT_SHARDS];
    uint64_t xors[DNASYNC_DHT_SHARDS];
} sv_summary_t;

/* A value that decoded and passed every check (a bundle's member: vid and author are the
 * bundle's). */
typedef struct sv_value {
    int kind;
    uint64_t vid;                            /* its value id, computed from the value itself */
    uint8_t author[32];                      /* the key that signed it */
    message_info_t msg;                      /* SV_MESSAGE (owned) */
    char message_id[DNASYNC_ID_HEX_LEN + 1]; /* SV_MESSAGE, SV_TOMBSTONE, SV_RECEIPT */
    int64_t deleted_at;                      /* SV_TOMBSTONE */
    int64_t read_at;                         /* SV_RECEIPT */
    sv_summary_t summary;                    /* SV_SUMMARY */
} sv_value_t;
void sv_value_clear(sv_value_t *v);

/* Shard and value id of a (validated) message id; see dht/dht_keys.h, dht_codec.h. */
#define sv_shard(id) ((unsigned)dht_shard_of(id))
#define sv_message_vid(id) dht_message_value_id(id)

/* Encoders: *out malloc'd, caller frees. */
int sv_encode_message(sync_context_t *ctx, const message_info_t *msg, uint8_t **out, size_t *len);
/* A TOMBSTONE (at = deleted_at) or RECEIPT (at = read_at) for this identity's own mailbox. */
int sv_encode_mark(sync_context_t *ctx, int kind, const char *message_id, int64_t at, uint8_t **out,
                   size_t *len, uint64_t *vid);
int sv_encode_summary(sync_context_t *ctx, const char *mailbox, int64_t day, const sv_summary_t *s,
                      uint8_t **out, size_t *len, uint64_t *vid);
int sv_encode_identity(sync_context_t *ctx, uint8_t **out, size_t *len);
/* A bundle (kind SV_BUNDLE_*) of n members of (mailbox, day, shard), written by this device:
 * members sorted here by message id (their pointers are borrowed for the call); *created is
 * the bundle's time (its oldest member's). */
int sv_encode_bundle(sync_context_t *ctx, int kind, const char *mailbox, int64_t day,
                     unsigned shard, dht_member_t *members, size_t n, uint8_t **out, size_t *len,
                     uint64_t *vid, int64_t *created);

/* Decode and verify a value read from `mailbox`'s buckets: strict decoding, signature, the
 * recomputed message id, the sender's pinned key, tombstones signed by the mailbox owner.
 * 0 ok; DNASYNC_EAUTH/ECORRUPT/ECRYPTO with the reason in ctx->err otherwise. */
int sv_decode_verify(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                     size_t len, sv_value_t *out);

/* The same for a value that may be a bundle: *out (malloc'd, free with sv_values_free) gets
 * every member (one for a single value). A bundle is verified once and refused as a whole when
 * any member fails a check, or when it names another mailbox or day. */
int sv_decode_verify_all(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                         size_t len, sv_value_t **out, size_t *n, bool *bundle);
void sv_values_free(sv_value_t *v, size_t n);

/* A SUMMARY read from the key of (mailbox, day): strictly decoded, for that mailbox and day,
 * and (verify) its signature checked; out->author is its signing key. Deciding which summaries
 * are worth the signature check is the caller's (a flooded key holds thousands).
 * 0 ok; DNASYNC_ECORRUPT/EAUTH with the reason in ctx->err otherwise. */
int sv_decode_summary(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                      size_t len, bool verify, sv_summary_t *out);

/* The value id of writer's summary of (mailbox, day) signed by author (dht_summary_value_id). */
uint64_t sv_summary_vid(const char *mailbox, int64_t day, const uint8_t writer[16],
                        const uint8_t author[32]);

#endif
