/* The local SQLite cache: the spec's four tables (messages, conversations, sync_state,
 * tombstones) plus sync_meta, behind an opaque handle. docs/cache.md has the schema, the
 * migrations, the indexes and the invariants.
 *
 * Threading: a handle is used by one thread at a time (the sync engine serialises its calls).
 * Statements are prepared once at open and reused. Every function returns 0 (DNASYNC_OK) or a
 * negative dnasync/status.h code; the reason (with SQLite's message) is in dnasync_cache_errmsg.
 *
 * Write functions are atomic: outside a caller transaction each one runs in its own
 * BEGIN IMMEDIATE ... COMMIT; inside dnasync_cache_begin/commit it uses a SAVEPOINT, so a failed
 * call leaves nothing half-written and the caller's transaction usable.
 *
 * Invariants kept by the cache (tested):
 *  - every sync_state row's pending_uploads == SELECT count(*) FROM messages WHERE
 *    synced_to_dht = 0, maintained by triggers (migration 3), so it also holds for writes made
 *    directly on dnasync_cache_db();
 *  - a message whose tombstone exists is stored/kept with deleted = 1 and never counts as unread;
 *  - tombstones are last-write-wins on deleted_at;
 *  - prune never removes a row with synced_to_dht = 0;
 *  - conversations.unread_count counts messages with recipient == self, sender != self,
 *    status != 'read', deleted = 0; last_message_at is the newest created_at of a non-deleted
 *    cached message (NULL when none). */
#ifndef DNASYNC_CACHE_H
#define DNASYNC_CACHE_H

#include "dnasync/message.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_CACHE_SCHEMA_VERSION 8 /* PRAGMA user_version after all migrations */

typedef struct dnasync_cache dnasync_cache_t;

typedef struct dnasync_conversation {
    char id[DNASYNC_ID_HEX_LEN + 1];
    char type[8];            /* "direct" or "group" */
    char *participants;      /* owned: JSON array of the sorted names, e.g. ["alice","bob"] */
    int64_t last_message_at; /* 0 = NULL (no non-deleted message cached) */
    int64_t unread_count;
    int64_t last_sync_time;
} dnasync_conversation_t;

typedef struct dnasync_sync_state {
    char device_id[DNASYNC_DEVICE_ID_LEN + 1];
    int64_t last_upload_time;   /* 0 = never (NULL) */
    int64_t last_download_time; /* 0 = never (NULL) */
    int64_t pending_uploads;    /* == messages with synced_to_dht = 0 */
    int64_t pending_downloads;
} dnasync_sync_state_t;

typedef struct dnasync_tombstone {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    int64_t deleted_at;
} dnasync_tombstone_t;

/* --- open / close --- */

/* Opens (creating if needed) the database file at path, sets WAL, busy_timeout 5000 ms and
 * synchronous=NORMAL, and applies the migrations. A database whose user_version is newer than
 * DNASYNC_CACHE_SCHEMA_VERSION is refused (DNASYNC_ECORRUPT) before anything is written to it.
 * On failure *out is NULL and the reason (naming path) is the thread's dnasync_last_error().
 * *out is freed with dnasync_cache_free. */
int dnasync_cache_open(const char *path, dnasync_cache_t **out);
/* Uses a caller-owned connection (borrowed: it must outlive the handle and is not closed by
 * dnasync_cache_free). Applies busy_timeout, WAL (unless in-memory), synchronous and the
 * migrations, with the same refusal of a newer schema; a failure's reason as above. */
int dnasync_cache_wrap(sqlite3 *db, dnasync_cache_t **out);
/* Finalizes the statements; closes the connection only if dnasync_cache_open opened it.
 * NULL is fine. Rolls back an open caller transaction. */
void dnasync_cache_free(dnasync_cache_t *c);
/* Borrowed; valid until dnasync_cache_free. */
sqlite3 *dnasync_cache_db(dnasync_cache_t *c);
/* Last error; borrowed, valid until the next call on c. Never NULL. */
const char *dnasync_cache_errmsg(const dnasync_cache_t *c);
/* PRAGMA user_version (>= 0), or a negative status. */
int dnasync_cache_user_version(dnasync_cache_t *c);

/* Who this device's identity is (copied). Messages inserted with recipient == self and
 * sender != self count as unread. Set it before inserting. NULL clears it. */
int dnasync_cache_set_self(dnasync_cache_t *c, const char *identity);

/* --- caller transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK); not nestable --- */
int dnasync_cache_begin(dnasync_cache_t *c);
int dnasync_cache_commit(dnasync_cache_t *c);
int dnasync_cache_rollback(dnasync_cache_t *c);

/* --- messages --- */

/* Stores msg (borrowed; not modified). Required: message_id (64 lowercase hex), sender,
 * recipient (non-empty), ciphertext (may be empty). status "" means "sent"; otherwise one of
 * sent/delivered/read. conversation_id "" means dnasync_conversation_id({sender, recipient}).
 * Idempotent on message_id: a duplicate sets *inserted = 0, returns 0 and leaves the stored row
 * untouched. A new message creates/updates its conversation (type "group" when group_id != 0,
 * else "direct"). If a tombstone for the id exists the row is stored with deleted = 1 and is
 * not counted as unread. inserted may be NULL.
 * The ciphertext is stored zlib-compressed (messages.ciphertext_encoding = 1) only when it has
 * 64..DNASYNC_ENVELOPE_MAX_BYTES bytes, a byte-histogram check finds it compressible and the
 * zlib stream is strictly smaller; otherwise as it is (encoding 0). Envelopes practically never
 * compress. Every read (get, pending, list) returns the original bytes. */
int dnasync_cache_insert(dnasync_cache_t *c, const message_info_t *msg, int *inserted);
/* Inserts msgs[0..n) in one transaction: any failure rolls back the whole batch (nothing
 * stored) and returns the error. *inserted (may be NULL) counts the new rows. */
int dnasync_cache_insert_batch(dnasync_cache_t *c, const message_info_t *msgs, size_t n,
                               size_t *inserted);
/* out is overwritten (not freed first); clear it with message_info_clear. DNASYNC_ENOTFOUND.
 * A stored compressed ciphertext that does not inflate to exactly its recorded length (or an
 * unknown encoding) is DNASYNC_ECORRUPT, with the message id and the reason in
 * dnasync_cache_errmsg; out is then left zeroed. The bulk reads below (pending, list) skip such
 * a row instead of failing (see "damaged rows"). */
int dnasync_cache_get(dnasync_cache_t *c, const char *message_id, message_info_t *out);
/* The sender and recipient of a stored message, without reading its ciphertext (so a damaged
 * row can still be checked and deleted): copied into the caller's buffers as NUL-terminated
 * strings. DNASYNC_ENOTFOUND when absent. */
int dnasync_cache_parties(dnasync_cache_t *c, const char *message_id,
                          char sender[DNASYNC_NAME_MAX + 1], char recipient[DNASYNC_NAME_MAX + 1]);
/* 1 present (deleted or not), 0 absent, negative on error. */
int dnasync_cache_has(dnasync_cache_t *c, const char *message_id);

/* Arrays returned by pending/list: caller frees with dnasync_cache_free_messages. */
void dnasync_cache_free_messages(message_info_t *msgs, size_t count);

/* Up to limit (1..10000) rows with synced_to_dht = 0 and rowid > after_rowid, in rowid order.
 * Damaged rows (below) are skipped and do not count against limit. *last_rowid (may be NULL)
 * gets the rowid of the last row returned or skipped (pass it back as after_rowid for the next
 * batch, so the walk moves past damaged rows); unchanged when no row was read. *count == 0 means
 * no readable pending row follows after_rowid. *out is NULL when *count == 0. */
int dnasync_cache_pending(dnasync_cache_t *c, int64_t after_rowid, size_t limit,
                          message_info_t **out, int64_t *last_rowid, size_t *count);
/* Sets synced_to_dht = 1 for the given ids (borrowed) in one transaction; unknown ids are
 * skipped. */
int dnasync_cache_mark_synced(dnasync_cache_t *c, const char *const *ids, size_t n);
int dnasync_cache_pending_count(dnasync_cache_t *c, size_t *n);

/* Inbox, newest first (created_at DESC, rowid DESC). conversation_id / recipient NULL = any.
 * limit 0 = no limit. Soft-deleted rows only with include_deleted. Damaged rows (below) are
 * skipped and do not count against limit. */
int dnasync_cache_list(dnasync_cache_t *c, const char *conversation_id, const char *recipient,
                       size_t limit, int include_deleted, message_info_t **out, size_t *count);

/* --- damaged rows ---
 * A row whose stored ciphertext cannot be decoded (a compressed stream damaged on disk, a
 * recorded length that cannot be right, an unknown encoding: what dnasync_cache_get reports as
 * DNASYNC_ECORRUPT) never fails or hides the others in a bulk read (dnasync_cache_pending,
 * dnasync_cache_list): the read skips it, returns every readable row, moves *last_rowid past it,
 * counts it and reports it to the damaged callback. Only DNASYNC_ECORRUPT rows are skipped; out
 * of memory or an SQLite error still fails the call. A read never deletes or rewrites the row:
 * it stays as stored (a pending one stays pending), dnasync_cache_get of its id keeps returning
 * DNASYNC_ECORRUPT, and writes that do not read the ciphertext (mark read/synced, delete) work
 * on it. Each bulk read that meets the row skips and counts it again. */

/* Rows skipped by bulk reads on c since it was opened (the same row once per read); 0 for NULL. */
int64_t dnasync_cache_damaged_count(const dnasync_cache_t *c);
/* The last row skipped since open: copies its message id into message_id_out (may be NULL) and
 * returns the reason (e.g. "stored compressed ciphertext is corrupt (incorrect data check; ...)";
 * borrowed, valid until the next bulk read on c or dnasync_cache_free). With none: NULL, and
 * message_id_out is "". */
const char *dnasync_cache_damaged_last(const dnasync_cache_t *c,
                                       char message_id_out[DNASYNC_ID_HEX_LEN + 1]);
/* Called once for every row a bulk read skips, during that read, with the row's message id and
 * the reason (both borrowed for the call). cb must not call any function on c (the read's
 * statement is still running). NULL clears it. The cache never logs anything itself. */
typedef void (*dnasync_cache_damaged_cb)(void *user, const char *message_id, const char *reason);
void dnasync_cache_set_damaged_callback(dnasync_cache_t *c, dnasync_cache_damaged_cb cb,
                                        void *user);

/* status 'read', read_at; the conversation's unread_count drops once (never below 0) if the
 * message was counted unread. Marking an already-read message changes nothing. ENOTFOUND. */
int dnasync_cache_mark_read(dnasync_cache_t *c, const char *message_id, int64_t read_at);
/* status 'delivered' (unless already 'read'), delivered_at if not set yet. ENOTFOUND. */
int dnasync_cache_mark_delivered(dnasync_cache_t *c, const char *message_id, int64_t delivered_at);

/* Calls cb for every message with from_created <= created_at < to_created (ascending
 * created_at), streaming. message_id is borrowed for the call. cb must not call
 * dnasync_cache_ids_between on the same handle (other cache calls are fine). */
int dnasync_cache_ids_between(dnasync_cache_t *c, int64_t from_created, int64_t to_created,
                              void (*cb)(void *user, const char *message_id, int deleted),
                              void *user);

/* Deletes rows with created_at < cutoff AND synced_to_dht = 1 only (never a pending row),
 * soft-deleted ones included; tombstones are kept. Affected conversations get their
 * last_message_at and unread_count recomputed (rows are kept). *deleted (may be NULL). */
int dnasync_cache_prune(dnasync_cache_t *c, int64_t cutoff, size_t *deleted);

/* --- tombstones --- */

/* Soft-deletes the message if present (deleted = 1; its conversation's unread_count and
 * last_message_at are fixed) and upserts the tombstone, last-write-wins on deleted_at: a later
 * deleted_at replaces the stored one (with its synced flag), an earlier one changes nothing, an
 * equal one can only raise synced 0 -> 1. A tombstone may exist without its message. *changed
 * (may be NULL) is 1 if the tombstone or the message changed. */
int dnasync_cache_delete(dnasync_cache_t *c, const char *message_id, int64_t deleted_at, int synced,
                         int *changed);
/* Up to limit (0 = all) unsynced tombstones in insertion order; caller frees *out with free().
 * *out is NULL when *count == 0. */
int dnasync_cache_tombstones_pending(dnasync_cache_t *c, size_t limit, dnasync_tombstone_t **out,
                                     size_t *count);
int dnasync_cache_tombstone_mark_synced(dnasync_cache_t *c, const char *const *ids, size_t n);
/* deleted_at / synced may be NULL. DNASYNC_ENOTFOUND. */
int dnasync_cache_tombstone_get(dnasync_cache_t *c, const char *message_id, int64_t *deleted_at,
                                int *synced);
/* Calls cb for every tombstone with from_deleted <= deleted_at < to_deleted (ascending),
 * streaming; message_id borrowed for the call. Same re-entrancy rule as ids_between. */
int dnasync_cache_tombstone_ids_between(
    dnasync_cache_t *c, int64_t from_deleted, int64_t to_deleted,
    void (*cb)(void *user, const char *message_id, int64_t deleted_at), void *user);
int dnasync_cache_tombstones_pending_count(dnasync_cache_t *c, size_t *n);

/* --- conversations --- */

/* All conversations, last_message_at DESC (NULL last), then id. Caller frees with
 * dnasync_cache_free_conversations. *out is NULL when *count == 0. */
int dnasync_cache_conversations(dnasync_cache_t *c, dnasync_conversation_t **out, size_t *count);
/* out's participants is owned: free with dnasync_cache_free_conversations(out, 1) semantics,
 * i.e. free(out->participants). DNASYNC_ENOTFOUND. */
int dnasync_cache_conversation_get(dnasync_cache_t *c, const char *id, dnasync_conversation_t *out);
void dnasync_cache_free_conversations(dnasync_conversation_t *convs, size_t count);
int dnasync_cache_conversation_set_last_sync(dnasync_cache_t *c, const char *id, int64_t t);

/* --- sync state (one row per device_id) --- */

/* A device without a row reads as all zero except pending_uploads (the current count). */
int dnasync_cache_state_get(dnasync_cache_t *c, const char *device_id, dnasync_sync_state_t *out);
/* Each setter creates the row if needed. */
int dnasync_cache_state_set_upload_time(dnasync_cache_t *c, const char *device_id, int64_t t);
int dnasync_cache_state_set_download_time(dnasync_cache_t *c, const char *device_id, int64_t t);
int dnasync_cache_state_set_pending_downloads(dnasync_cache_t *c, const char *device_id, int64_t n);

/* --- sync_meta key/value --- */

/* *value_out is malloc'd, NUL-terminated; caller frees. DNASYNC_ENOTFOUND when absent. */
int dnasync_cache_meta_get(dnasync_cache_t *c, const char *key, char **value_out);
int dnasync_cache_meta_set(dnasync_cache_t *c, const char *key, const char *value);
/* Deleting an absent key is not an error. */
int dnasync_cache_meta_delete(dnasync_cache_t *c, const char *key);

/* --- counts and meta iteration --- */

/* Rows in messages (soft-deleted ones included). */
int dnasync_cache_message_count(dnasync_cache_t *c, size_t *n);
/* Rows of one conversation (NULL = all). */
int dnasync_cache_count_conversation(dnasync_cache_t *c, const char *conversation_id, size_t *n);
/* Ciphertext storage over all rows of messages (soft-deleted included), each pointer may be
 * NULL: *rows, *compressed_rows (ciphertext_encoding = 1), *raw_bytes (the sum of original
 * ciphertext lengths, what the callers see) and *stored_bytes (the sum of the stored blobs'
 * lengths, compressed or not). Read-only; SQL over the table, so it costs a scan. */
int dnasync_cache_compression_stats(dnasync_cache_t *c, int64_t *rows, int64_t *compressed_rows,
                                    int64_t *raw_bytes, int64_t *stored_bytes);
/* cb for every sync_meta entry whose key starts with prefix, in key order; the strings are
 * borrowed for the call. cb must not write to the cache. */
int dnasync_cache_meta_each(dnasync_cache_t *c, const char *prefix,
                            void (*cb)(void *user, const char *key, const char *value), void *user);

/* --- the DHT index (migration 4): what this device holds of each (mailbox, upload day, shard)
 * bucket, and which days of the window it has proven complete (docs/sync.md). The cache only
 * stores these facts; it never talks to the DHT. --- */

/* Must equal DNASYNC_DHT_SHARDS (the cache does not include the DHT layer; src/sync asserts it). */
#define DNASYNC_INDEX_SHARDS 128
enum {
    DNASYNC_INDEX_MESSAGE = 1,
    DNASYNC_INDEX_TOMBSTONE = 2,
    DNASYNC_INDEX_REJECTED = 3,
    DNASYNC_INDEX_RECEIPT = 4,
    DNASYNC_INDEX_BUNDLE = 5 /* one row per bundle value (its first member's message id) */
};

typedef struct dnasync_cache_day {
    int verified;       /* the writers' summaries matched what this device holds */
    int closed;         /* verified after the day ended: never read again */
    int64_t checked_at; /* Unix s of the last comparison; 0 = never */
} dnasync_cache_day_t;

/* Record that value vid (kind DNASYNC_INDEX_*) of (mailbox, day, shard) is held; mine marks
 * values this device put itself. Idempotent (mine is sticky). */
int dnasync_cache_index_add(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                            uint64_t vid, const char *message_id, int kind, int mine);
/* 1 held (any kind, rejected included), 0 not, negative error. */
int dnasync_cache_index_has(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                            uint64_t vid);
/* Per shard: how many message/tombstone values are held and the XOR of their ids (rejected ones
 * left out); mine_only counts only what this device put. Arrays of DNASYNC_INDEX_SHARDS. */
int dnasync_cache_index_summary(dnasync_cache_t *c, const char *mailbox, int64_t day, int mine_only,
                                uint32_t *count, uint64_t *xor_ids);
/* The same for one shard (all writers). */
int dnasync_cache_index_shard(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint32_t *count, uint64_t *xor_ids);
/* Record a value another writer put, with the Ed25519 key that signed it (32 bytes). */
int dnasync_cache_index_add_signed(dnasync_cache_t *c, const char *mailbox, int64_t day,
                                   unsigned shard, uint64_t vid, const char *message_id, int kind,
                                   const uint8_t author[32]);
/* cb for every held value of (mailbox, day) (refused ones left out): author is the signing key
 * (borrowed for the call) or NULL for a value this device put (mine = 1). cb must not write to
 * the cache; a non-zero return stops the walk and is returned. */
int dnasync_cache_index_each(dnasync_cache_t *c, const char *mailbox, int64_t day,
                             int (*cb)(void *user, unsigned shard, uint64_t vid,
                                       const uint8_t *author, int mine),
                             void *user);
/* Refused values, by value id and SHA-256 of their bytes: a refusal never stands for another
 * value with the same id. has: 1 refused before, 0 not, negative error. */
int dnasync_cache_refused_has(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint64_t vid, const uint8_t hash[32]);
int dnasync_cache_refused_add(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint64_t vid, const uint8_t hash[32]);
/* A day never recorded reads as all zero. */
int dnasync_cache_day_get(dnasync_cache_t *c, const char *mailbox, int64_t day,
                          dnasync_cache_day_t *out);
int dnasync_cache_day_set(dnasync_cache_t *c, const char *mailbox, int64_t day,
                          const dnasync_cache_day_t *in);

/* A message id found by prefix (dnasync_cache_find_ids). */
typedef struct dnasync_cache_id_match {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    int deleted; /* soft-deleted here */
} dnasync_cache_id_match_t;
/* Messages (soft-deleted ones too) whose id starts with prefix (1..64 lowercase hex), in id
 * order: up to max into out (caller's array), *count how many were written. Reads one more
 * than max when there is one, so *count == max with more_out = 1 means "more match". */
int dnasync_cache_find_ids(dnasync_cache_t *c, const char *prefix, size_t max,
                           dnasync_cache_id_match_t *out, size_t *count, int *more_out);

/* --- bundles recorded before their put (migration 8, docs/sync.md "Bundles"): the exact
 * bytes to re-put after a crash, and which messages' values they carry. --- */
typedef struct dnasync_bundle_rec {
    char mailbox[DNASYNC_NAME_MAX + 1];
    int64_t day;
    unsigned shard;
    int kind; /* the bundle's value kind (opaque to the cache) */
    uint64_t vid;
    int64_t created;
    uint8_t *value; /* owned by the array; freed by dnasync_cache_bundle_free */
    size_t len;
} dnasync_bundle_rec_t;
/* Record a bundle and its n member message ids (of b->kind). Atomic; idempotent. */
int dnasync_cache_bundle_add(dnasync_cache_t *c, const dnasync_bundle_rec_t *b,
                             const char *const *member_ids, size_t n);
/* Every recorded bundle, oldest day first. *out: caller frees with dnasync_cache_bundle_free. */
int dnasync_cache_bundle_list(dnasync_cache_t *c, dnasync_bundle_rec_t **out, size_t *count);
void dnasync_cache_bundle_free(dnasync_bundle_rec_t *recs, size_t count);
/* Forget a recorded bundle. *freed (malloc'd, caller frees; NULL when none): its members that no
 * other recorded bundle of the same kind still carries. Atomic. */
int dnasync_cache_bundle_done(dnasync_cache_t *c, const char *mailbox, uint64_t vid,
                              char (**freed)[DNASYNC_ID_HEX_LEN + 1], size_t *n_freed);
/* How many bundles are recorded. */
int dnasync_cache_bundle_count(dnasync_cache_t *c, size_t *n);
/* 1 when a recorded bundle of kind carries message_id's value, 0 not, negative error. */
int dnasync_cache_bundle_holds(dnasync_cache_t *c, int kind, const char *message_id);

/* --- the outbox of summaries (migration 6): (mailbox, day) pairs whose summary this device
 * must (re-)put, each with the doorbell value to ring after it. Marked in the same transaction as
 * the synced flags it follows from, cleared only after the summary put was confirmed
 * (docs/sync.md, "The outbox"). The bell is an opaque value to the cache. --- */

typedef struct dnasync_outbox_entry {
    int64_t seq; /* this mark; a later mark of the same pair gets a higher one */
    char mailbox[DNASYNC_NAME_MAX + 1];
    int64_t day;
    uint8_t *bell; /* owned by the array (NULL: no bell); freed by dnasync_cache_outbox_free */
    size_t bell_len;
    int bell_kind;
    uint64_t bell_vid;
    int64_t bell_created;
} dnasync_outbox_entry_t;

/* Record (or renew, with a new seq) the pair with its bell (bell may be NULL). Use inside the
 * transaction that marks the values synced. */
int dnasync_cache_outbox_mark(dnasync_cache_t *c, const char *mailbox, int64_t day,
                              const uint8_t *bell, size_t bell_len, int bell_kind,
                              uint64_t bell_vid, int64_t bell_created);
/* Every entry, oldest mark first. *out malloc'd array of *count (NULL when 0); caller frees with
 * dnasync_cache_outbox_free. */
int dnasync_cache_outbox_list(dnasync_cache_t *c, dnasync_outbox_entry_t **out, size_t *count);
void dnasync_cache_outbox_free(dnasync_outbox_entry_t *entries, size_t count);
/* Remove the entry with this seq; a pair marked again since (higher seq) stays. Absent is fine. */
int dnasync_cache_outbox_clear(dnasync_cache_t *c, int64_t seq);
int dnasync_cache_outbox_count(dnasync_cache_t *c, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
