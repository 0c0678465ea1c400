/* Internal: the cache handle, its prepared statements and small SQLite helpers. */
#ifndef DNASYNC_CACHE_INT_H
#define DNASYNC_CACHE_INT_H

#include "cache/cache.h"
#include "common/err.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* Every statement the cache runs, prepared once at open (SQL in cache_open.c). */
enum cache_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_USER_VERSION,
    ST_MSG_INSERT,
    ST_MSG_GET,
    ST_MSG_HAS,
    ST_MSG_INFO,
    ST_TOMB_EXISTS,
    ST_CONV_UPSERT,
    ST_CONV_UNREAD_DEC,
    ST_CONV_REFRESH_LAST,
    ST_PENDING,
    ST_MARK_SYNCED,
    ST_PENDING_COUNT,
    ST_LIST_ALL,
    ST_LIST_CONV,
    ST_LIST_RCPT,
    ST_LIST_CONV_RCPT,
    ST_MARK_READ,
    ST_MARK_DELIVERED,
    ST_IDS_BETWEEN,
    ST_PRUNE_CONV_FIX,
    ST_PRUNE_DELETE,
    ST_MSG_SOFT_DELETE,
    ST_TOMB_UPSERT,
    ST_TOMB_PENDING,
    ST_TOMB_MARK_SYNCED,
    ST_TOMB_GET,
    ST_TOMB_BETWEEN,
    ST_TOMB_PENDING_COUNT,
    ST_CONV_LIST,
    ST_CONV_GET,
    ST_CONV_SET_SYNC,
    ST_STATE_GET,
    ST_STATE_ENSURE,
    ST_STATE_SET_UP,
    ST_STATE_SET_DOWN,
    ST_STATE_SET_PD,
    ST_META_GET,
    ST_META_SET,
    ST_META_DEL,
    ST_META_PREFIX,
    ST_MSG_COUNT,
    ST_CONV_MSG_COUNT,
    ST_INDEX_ADD,
    ST_INDEX_HAS,
    ST_INDEX_SHARDS,
    ST_INDEX_SHARD,
    ST_INDEX_EACH,
    ST_INDEX_ADD_SIGNED,
    ST_REFUSED_HAS,
    ST_REFUSED_ADD,
    ST_DAY_GET,
    ST_DAY_SET,
    ST_COMPRESS_STATS,
    ST_OUTBOX_MARK,
    ST_OUTBOX_LIST,
    ST_OUTBOX_CLEAR,
    ST_OUTBOX_COUNT,
    ST_COUNT
};

struct dnasync_cache {
    sqlite3 *db;
    int owns_db;
    char *self; /* owned copy of the identity, or NULL */
    sqlite3_stmt *st[ST_COUNT];
    dnasync_err_t err;
    /* Ciphertext compression (cache_compress.c), each set up on first use and reused:
     * deflate state and its output buffer (DNASYNC_ENVELOPE_MAX_BYTES), inflate state. */
    z_stream zdef;
    z_stream zinf;
    int zdef_ready, zinf_ready;
    uint8_t *zbuf;
    /* Rows the bulk reads skipped because their ciphertext cannot be decoded (cache_util.c):
     * how many since open, the last one's id and reason, and who is told about each. */
    int64_t damaged;
    char damaged_id[DNASYNC_ID_HEX_LEN + 1];
    char damaged_why[512];
    dnasync_cache_damaged_cb damaged_cb;
    void *damaged_user;
};

/* Columns every message query selects, in the order cache_row_to_msg reads them. */
#define CACHE_MSG_COLS                                                                             \
    "id, message_id, conversation_id, sender, recipient, ciphertext, status, created_at, "         \
    "delivered_at, read_at, synced_to_dht, deleted, group_id, ciphertext_encoding, "               \
    "ciphertext_len"

/* messages.ciphertext_encoding (migration 5). */
enum { CACHE_CT_RAW = 0, CACHE_CT_ZLIB = 1 };
/* Payloads shorter than this are always stored raw (zlib's 6 bytes of framing and the block
 * header leave nothing to gain), and so are payloads over DNASYNC_ENVELOPE_MAX_BYTES (which also
 * bounds what a read ever inflates). */
#define CACHE_COMPRESS_MIN 64

/* Records the SQLite error of the connection with a short description; returns the status. */
int cache_sql_err(dnasync_cache_t *c, int rc, const char *what);
/* Resets the statement and clears its bindings (ready for the next use). */
void cache_done(sqlite3_stmt *st);
/* Binding helpers: 0 or the recorded error. NULL text binds SQL NULL. */
int cache_bind_text(dnasync_cache_t *c, sqlite3_stmt *st, int idx, const char *s);
int cache_bind_i64(dnasync_cache_t *c, sqlite3_stmt *st, int idx, int64_t v);
/* Binds v, or SQL NULL when v == 0. */
int cache_bind_i64_or_null(dnasync_cache_t *c, sqlite3_stmt *st, int idx, int64_t v);
int cache_bind_blob(dnasync_cache_t *c, sqlite3_stmt *st, int idx, const void *p, size_t n);
/* Steps a statement that returns no rows to SQLITE_DONE, then cache_done. */
int cache_run(dnasync_cache_t *c, sqlite3_stmt *st, const char *what);
/* One step: 1 = row, 0 = done, negative = recorded error (the statement is then reset). */
int cache_step(dnasync_cache_t *c, sqlite3_stmt *st, const char *what);

/* Runs statement `which` (one text parameter) for every id, in one atomic section. */
int cache_run_for_ids(dnasync_cache_t *c, int which, const char *const *ids, size_t n,
                      const char *what);

/* Internal atomic sections: BEGIN IMMEDIATE when no transaction is open, else a SAVEPOINT.
 * cache_tx_end commits (rc == 0) or rolls back (rc != 0) and returns rc or a commit error. */
int cache_tx_begin(dnasync_cache_t *c, int *own);
int cache_tx_end(dnasync_cache_t *c, int own, int rc);

/* 1 if p[0..n) is worth a deflate attempt: CACHE_COMPRESS_MIN <= n <= DNASYNC_ENVELOPE_MAX_BYTES
 * and a byte histogram over a sample says it is not uniform-looking (cache_compress.c). */
int cache_ct_candidate(const uint8_t *p, size_t n);
/* How to store the ciphertext raw[0..len): *enc = CACHE_CT_RAW with *out = raw, *out_len = len,
 * or CACHE_CT_ZLIB with *out = the handle's buffer (valid until the next call) holding a zlib
 * stream of *out_len < len bytes. Never fails: any zlib trouble means "store raw". */
void cache_ct_encode(dnasync_cache_t *c, const uint8_t *raw, size_t len, const uint8_t **out,
                     size_t *out_len, int *enc);
/* Inflates a CACHE_CT_ZLIB blob into a malloc'd buffer of exactly orig_len bytes (*out; caller
 * frees). id names the message in the error. 0, DNASYNC_ECORRUPT (bad length, bad stream, wrong
 * size) or DNASYNC_ENOMEM, recorded in c->err. */
int cache_ct_decode(dnasync_cache_t *c, const char *id, const uint8_t *blob, size_t blob_len,
                    int64_t orig_len, uint8_t **out);
/* Releases the compression state of the handle (dnasync_cache_free). */
void cache_ct_free(dnasync_cache_t *c);

/* Copies the current row (CACHE_MSG_COLS) into *m (zeroed first), ciphertext decoded (the
 * caller gets the original bytes). *rowid may be NULL. */
int cache_row_to_msg(dnasync_cache_t *c, sqlite3_stmt *st, message_info_t *m, int64_t *rowid);
/* Runs st (bound, returning CACHE_MSG_COLS rows) into a malloc'd array of at most limit rows
 * (0 = all). A row cache_row_to_msg finds DNASYNC_ECORRUPT is skipped, counted and reported
 * (c->damaged, the damaged callback) and does not count against limit; *last_rowid (may be
 * NULL) gets the rowid of the last row returned or skipped. Other errors fail the call. */
int cache_collect_msgs(dnasync_cache_t *c, sqlite3_stmt *st, size_t limit, message_info_t **out,
                       size_t *count, int64_t *last_rowid);

/* 1 if s is exactly 64 lowercase hex characters. */
int cache_valid_id(const char *s);
/* Records EINVAL unless id is a valid message id. */
int cache_check_id(dnasync_cache_t *c, const char *id, const char *what);

/* 1 if a message with these fields counts as unread for c->self. */
int cache_counts_unread(const dnasync_cache_t *c, const char *sender, const char *recipient,
                        const char *status, int deleted);
/* Conversation, status, deleted flag and unread-ness of a stored message: 1 found, 0 absent,
 * negative error. */
int cache_msg_info(dnasync_cache_t *c, const char *id, char conv[DNASYNC_ID_HEX_LEN + 1],
                   char status[12], int *deleted, int *unread);
/* unread_count - 1 (not below 0) for conversation conv. */
int cache_conv_unread_dec(dnasync_cache_t *c, const char *conv);

#endif
