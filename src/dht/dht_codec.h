/* The one binary layout of every value dnasync puts on the DHT (format versions 1 and 2).
 *
 * A value is ONE msgpack array, fields in this order (docs/dht.md has the byte-level table):
 *   [0] format version   uint (=1)
 *   [1] kind             uint (dht_value_kind_t)
 *   [2] created_at       uint, Unix seconds, set by the author
 *   [3] author_pk        bin 32, the author's Ed25519 public key
 *   [4] sig_scheme       uint (DNASYNC_SIGN_SCHEME_ED25519 = 1)
 *   [5] signature        bin 64, Ed25519 over dht_value_signing_bytes()
 *   MESSAGE:   [6] message_id str 64 (lowercase hex)  [7] sender str  [8] recipient str
 *              [9] payload bin (the encrypted envelope)
 *   TOMBSTONE: [6] message_id str 64  [7] deleted_at uint  [8] owner str (mailbox owner)
 *              [9] writer_id bin 16 (the deleting device)
 *   RECEIPT:   [6] message_id str 64  [7] read_at uint  [8] owner str (mailbox owner)
 *              [9] writer_id bin 16: a read receipt shared among the owner's own devices
 *              (only when the owner opts in)
 *   IDENTITY:  [6] name str  [7] signing_pk bin 32 (= author_pk)  [8] kem_pk bin 800
 *              [9] devices array of str 32 (device ids, lowercase hex; may be empty, max 16)
 *   SUMMARY:   [6] mailbox str  [7] day uint  [8] writer_id bin 16  [9] version uint
 *              [10] entries array of [shard uint, count uint, xor uint] (shards ascending,
 *              unique, < DNASYNC_DHT_SHARDS)
 * BUNDLES (format version 2, kinds 6..8): the members one device writes to one (mailbox, day,
 * shard) in one upload pass, all of one kind, under one signature:
 *              [6] mailbox str  [7] day uint  [8] shard uint  [9] writer_id bin 16
 *              [10] members array (1..DHT_MAX_BUNDLE_MEMBERS, message ids strictly ascending,
 *              each in `shard`), a member being
 *                MESSAGES:   [message_id str 64, created_at uint, sender str, recipient str,
 *                             payload bin] (mailbox is its sender's or recipient's)
 *                TOMBSTONES: [message_id str 64, deleted_at uint] (owner = mailbox)
 *                RECEIPTS:   [message_id str 64, read_at uint] (owner = mailbox)
 *              and [2] created_at = the smallest member time (one encoding per member set).
 * Encoding is canonical (smallest msgpack forms, as msgpack-c writes them); decoding is strict:
 * exact array sizes and types, every length checked against the buffer and the limits below,
 * unknown versions and kinds refused, no trailing bytes, and the input must re-encode to the
 * same bytes. Whole encoded values are limited to DHT_VALUE_MAX_BYTES.
 *
 * Ownership: a dht_value_t (with its members and entries) either owns every pointer in it or
 * borrows every one, never a mix. Owned: what dht_value_decode filled (every pointer malloc'd),
 * freed with dht_value_clear; a caller that moves a pointer out sets the field to NULL. Borrowed:
 * a view a writer fills for dht_value_sign, _sign_key, _encode, _signing_bytes and _id, which
 * only read the pointers: they may point at the caller's strings, arrays or stack, and such a
 * view is never passed to dht_value_clear. Buffers returned through uint8_t ** are malloc'd;
 * caller frees with free(). */
#ifndef DNASYNC_DHT_CODEC_H
#define DNASYNC_DHT_CODEC_H

#include "crypto/sign.h"
#include "dnasync/message.h"
#include "dnasync/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DHT_VALUE_FORMAT 1  /* single values (kinds 1..5) */
#define DHT_BUNDLE_FORMAT 2 /* bundles (kinds 6..8) */
#define DHT_MAX_BUNDLE_MEMBERS 1024
/* OpenDHT 2.4.12 refuses values over 65,536 B only after a ~10 s timeout; we stay below with a
 * margin for OpenDHT's own per-value fields (see docs/dht.md "measured"). */
#define DHT_VALUE_MAX_BYTES 64000
#define DHT_KEM_PK_BYTES 800 /* ML-KEM-512 encapsulation key */
#define DHT_WRITER_ID_BYTES 16
#define DHT_MAX_DEVICES 16
#define DHT_MAX_SUMMARY_ENTRIES 128
/* What a dnasync node keeps per key (docs/dht.md "Caps"): a summary key at most
 * DHT_SUMMARY_KEY_CAP summaries and at most DHT_MAX_DEVICES of one signing key (one per
 * device); any other key at most DHT_KEY_CAP values. */
#define DHT_SUMMARY_KEY_CAP 256
#define DHT_KEY_CAP 2048

typedef enum dht_value_kind {
    DHT_KIND_MESSAGE = 1,
    DHT_KIND_TOMBSTONE = 2,
    DHT_KIND_IDENTITY = 3,
    DHT_KIND_SUMMARY = 4,
    DHT_KIND_RECEIPT = 5,
    DHT_KIND_BUNDLE_MESSAGE = 6,   /* messages */
    DHT_KIND_BUNDLE_TOMBSTONE = 7, /* tombstones (a kind of its own: they live 60 days) */
    DHT_KIND_BUNDLE_RECEIPT = 8    /* read receipts */
} dht_value_kind_t;

/* 1 for the bundle kinds (format 2). */
#define DHT_KIND_IS_BUNDLE(k) ((k) >= DHT_KIND_BUNDLE_MESSAGE && (k) <= DHT_KIND_BUNDLE_RECEIPT)
/* The single-value kind a bundle kind carries (MESSAGE, TOMBSTONE or RECEIPT). */
#define DHT_BUNDLE_MEMBER_KIND(k)                                                                  \
    ((k) == DHT_KIND_BUNDLE_MESSAGE     ? DHT_KIND_MESSAGE                                         \
     : (k) == DHT_KIND_BUNDLE_TOMBSTONE ? DHT_KIND_TOMBSTONE                                       \
                                        : DHT_KIND_RECEIPT)

/* One member of a bundle. */
typedef struct dht_member {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    uint64_t at;              /* message: created_at; tombstone: deleted_at; receipt: read_at */
    char *sender, *recipient; /* message members */
    uint8_t *payload;
    size_t payload_len;
} dht_member_t;

typedef struct dht_summary_entry {
    uint8_t shard;    /* 0..DNASYNC_DHT_SHARDS-1 */
    uint32_t count;   /* values this writer put in that shard that day */
    uint64_t xor_ids; /* XOR of the value ids (dht_value_id) of the values put there */
} dht_summary_entry_t;

typedef struct dht_value {
    /* common */
    uint8_t version; /* DHT_VALUE_FORMAT */
    uint8_t kind;    /* dht_value_kind_t */
    uint64_t created_at;
    uint8_t author_pk[DNASYNC_SIGN_PK_BYTES];
    uint8_t sig_scheme;
    uint8_t sig[DNASYNC_SIGN_BYTES];
    /* MESSAGE and TOMBSTONE */
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    /* MESSAGE */
    char *sender;
    char *recipient;
    uint8_t *payload;
    size_t payload_len;
    /* TOMBSTONE (deleted_at) and RECEIPT (read_at) */
    uint64_t deleted_at;
    uint64_t read_at;
    char *owner;
    /* IDENTITY */
    char *name;
    uint8_t signing_pk[DNASYNC_SIGN_PK_BYTES];
    uint8_t kem_pk[DHT_KEM_PK_BYTES];
    char **devices; /* n_devices strings of DNASYNC_DEVICE_ID_LEN hex chars */
    size_t n_devices;
    /* SUMMARY */
    char *mailbox;
    uint64_t day;
    uint8_t writer_id[DHT_WRITER_ID_BYTES];
    uint64_t counter; /* the summary's version: re-puts must increase it */
    dht_summary_entry_t *entries;
    size_t n_entries;
    /* BUNDLE_*: mailbox, day and writer_id above, and */
    uint8_t shard;
    dht_member_t *members;
    size_t n_members;
} dht_value_t;

/* Encode. *out is malloc'd (caller frees with free()). DNASYNC_EINVAL for a field out of range,
 * DNASYNC_ETOOBIG when the encoding would exceed DHT_VALUE_MAX_BYTES, DNASYNC_ENOMEM. */
int dht_value_encode(const dht_value_t *v, uint8_t **out, size_t *out_len);

/* Strict decode into *out (overwritten; clear it with dht_value_clear, also after an error).
 * 0 ok, DNASYNC_ETOOBIG (> DHT_VALUE_MAX_BYTES), DNASYNC_ECORRUPT (anything else wrong),
 * DNASYNC_ENOMEM. Does NOT verify the signature (see dht_value_verify). */
int dht_value_decode(const uint8_t *buf, size_t len, dht_value_t *out);

/* Frees owned fields and zeroes the struct; safe on a zeroed struct. */
void dht_value_clear(dht_value_t *v);

/* The bytes the signature covers: "dnasync/1/value\0" followed by the encoding with the 64-byte
 * signature slot zeroed. *out malloc'd, caller frees. */
int dht_value_signing_bytes(const dht_value_t *v, uint8_t **out, size_t *out_len);

/* Sets sig_scheme, author_pk (derived from sk; for IDENTITY also signing_pk) and sig. */
int dht_value_sign(dht_value_t *v, const uint8_t sk[DNASYNC_SIGN_SK_BYTES]);
/* The same with a key built once (dnasync_sign_key_new): for a writer signing many values. */
int dht_value_sign_key(dht_value_t *v, const dnasync_sign_key_t *key);

/* 0 when sig_scheme is Ed25519 and sig is author_pk's signature over the signing bytes
 * (IDENTITY: also signing_pk == author_pk); DNASYNC_EAUTH otherwise. */
int dht_value_verify(const dht_value_t *v);

/* The OpenDHT value id of a value (never 0):
 *   MESSAGE: first 8 bytes of the message id, big-endian;
 *   TOMBSTONE: first 8 bytes of SHA-256("dnasync/1/tomb/" message_id "/" deleted_at decimal "/"
 *     author_pk as 64 lowercase hex "/" writer_id as 32 lowercase hex) — its own id, so a
 *     tombstone never shares (or replaces) its message's id and both can sit in one bucket, and
 *     two devices deleting in the same second write two values, each counted by its own summary;
 *   RECEIPT: the same with "dnasync/1/read/" and read_at;
 *   IDENTITY: first 8 bytes of SHA-256("dnasync/1/id/" name "/" author_pk as 64 lowercase
 *     hex) — one id per key, so no claim on a name can shadow another on a storing node;
 *   SUMMARY: first 8 bytes of SHA-256("dnasync/1/sum/" mailbox "/" day "/" writer_id as 32
 *     lowercase hex "/" author_pk as 64 lowercase hex) — the author is part of it, so nobody
 *     else can take a writer's id on its day key first (nodes keep the first value of an id), and
 *     a reader can ask for a known writer's summary by id (docs/sync.md).
 *   BUNDLE_*: first 8 bytes of SHA-256 of its signing bytes (dht_value_signing_bytes): the
 *     same members always give the same id and bytes (Ed25519 signatures are deterministic),
 *     and the writer is part of it, so two devices never write one id.
 * A computed 0 becomes 1. Returns 0 for an invalid value. */
uint64_t dht_value_id(const dht_value_t *v);

/* The value id of the SUMMARY of (mailbox, day) by writer_id signed by author_pk (see
 * dht_value_id); 0 for bad arguments. */
uint64_t dht_summary_value_id(const char *mailbox, uint64_t day,
                              const uint8_t writer_id[DHT_WRITER_ID_BYTES],
                              const uint8_t author_pk[DNASYNC_SIGN_PK_BYTES]);

/* First 8 bytes of a hex message id as a big-endian integer: a MESSAGE value's id (a tombstone's
 * id is NOT this, see dht_value_id); 0 for a malformed id. */
uint64_t dht_message_value_id(const char *message_id_hex);

/* Static name of a kind ("message", ...), "unknown" otherwise. */
const char *dht_kind_name(int kind);

#ifdef __cplusplus
}
#endif
#endif
