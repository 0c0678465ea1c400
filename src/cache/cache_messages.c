/* Messages: insert (single and batch), get/has, pending uploads, inbox, read/delivered. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"
#include "common/json.h"
#include "crypto/ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ["a","b"] of the sorted distinct names; malloc'd. */
static char *participants_json(const char *a, const char *b)
{
    int cmp = strcmp(a, b);
    if (cmp > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fputc('[', f);
    dnasync_json_write_string(f, a);
    if (cmp != 0) {
        fputc(',', f);
        dnasync_json_write_string(f, b);
    }
    fputc(']', f);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static int status_ok(const char *s)
{
    return !strcmp(s, "sent") || !strcmp(s, "delivered") || !strcmp(s, "read");
}

int cache_counts_unread(const dnasync_cache_t *c, const char *sender, const char *recipient,
                        const char *status, int deleted)
{
    return c->self && !deleted && strcmp(recipient, c->self) == 0 && strcmp(sender, c->self) != 0 &&
           (!status || strcmp(status, "read") != 0);
}

static int tombstone_exists(dnasync_cache_t *c, const char *id)
{
    sqlite3_stmt *st = c->st[ST_TOMB_EXISTS];
    int rc = cache_bind_text(c, st, 1, id);
    if (rc == 0)
        rc = cache_step(c, st, "look up tombstone");
    cache_done(st);
    return rc; /* 1 / 0 / negative */
}

/* Insert without its own transaction (callers wrap it). */
static int insert_one(dnasync_cache_t *c, const message_info_t *m, int *inserted)
{
    *inserted = 0;
    if (!m)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: insert: no message");
    int rc = cache_check_id(c, m->message_id, "insert");
    if (rc)
        return rc;
    if (!m->sender || !*m->sender || !m->recipient || !*m->recipient)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL,
                               "cache: insert %.16s...: sender and recipient are required",
                               m->message_id);
    if (!m->ciphertext && m->ciphertext_len)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: insert: ciphertext missing");
    const char *status = m->status[0] ? m->status : "sent";
    if (!status_ok(status))
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: insert: unknown status '%.12s'",
                               m->status);
    char conv[DNASYNC_ID_HEX_LEN + 1];
    if (m->conversation_id[0]) {
        if (!cache_valid_id(m->conversation_id))
            return dnasync_err_set(&c->err, DNASYNC_EINVAL,
                                   "cache: insert: conversation id must be 64 lowercase hex");
        memcpy(conv, m->conversation_id, sizeof conv);
    } else {
        const char *pair[2] = {m->sender, m->recipient};
        rc = dnasync_conversation_id(pair, 2, conv);
        if (rc)
            return dnasync_err_set(&c->err, rc, "cache: insert: conversation id failed");
    }
    int tomb = tombstone_exists(c, m->message_id);
    if (tomb < 0)
        return tomb;
    int deleted = m->deleted || tomb;

    /* Compressed only where that makes it strictly smaller (cache_compress.c); stored points
     * either at the caller's bytes or at the handle's buffer, copied by the bind. */
    const uint8_t *stored;
    size_t stored_len;
    int enc;
    cache_ct_encode(c, m->ciphertext, m->ciphertext_len, &stored, &stored_len, &enc);
    sqlite3_stmt *st = c->st[ST_MSG_INSERT];
    if ((rc = cache_bind_text(c, st, 1, m->message_id)) || (rc = cache_bind_text(c, st, 2, conv)) ||
        (rc = cache_bind_text(c, st, 3, m->sender)) ||
        (rc = cache_bind_text(c, st, 4, m->recipient)) ||
        (rc = cache_bind_blob(c, st, 5, stored, stored_len)) ||
        (rc = cache_bind_i64(c, st, 13, enc)) ||
        (rc = cache_bind_i64_or_null(c, st, 14,
                                     enc == CACHE_CT_ZLIB ? (int64_t)m->ciphertext_len : 0)) ||
        (rc = cache_bind_text(c, st, 6, status)) ||
        (rc = cache_bind_i64(c, st, 7, m->created_at)) ||
        (rc = cache_bind_i64_or_null(c, st, 8, m->delivered_at)) ||
        (rc = cache_bind_i64_or_null(c, st, 9, m->read_at)) ||
        (rc = cache_bind_i64(c, st, 10, m->synced_to_dht ? 1 : 0)) ||
        (rc = cache_bind_i64(c, st, 11, deleted)) ||
        (rc = cache_bind_i64_or_null(c, st, 12, m->group_id))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "insert message")))
        return rc;
    if (sqlite3_changes(c->db) == 0)
        return 0; /* duplicate message_id: the stored row is left as it is */
    *inserted = 1;

    char *json = participants_json(m->sender, m->recipient);
    if (!json)
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
    int unread = cache_counts_unread(c, m->sender, m->recipient, status, deleted);
    st = c->st[ST_CONV_UPSERT];
    if ((rc = cache_bind_text(c, st, 1, conv)) ||
        (rc = cache_bind_text(c, st, 2, m->group_id ? "group" : "direct")) ||
        (rc = cache_bind_text(c, st, 3, json)) ||
        (rc = deleted ? cache_bind_i64_or_null(c, st, 4, 0)
                      : cache_bind_i64(c, st, 4, m->created_at)) ||
        (rc = cache_bind_i64(c, st, 5, unread))) {
        cache_done(st);
        free(json);
        return rc;
    }
    free(json);
    return cache_run(c, st, "update conversation");
}

int dnasync_cache_insert(dnasync_cache_t *c, const message_info_t *msg, int *inserted)
{
    if (!c)
        return DNASYNC_EINVAL;
    int own, ins = 0;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    rc = cache_tx_end(c, own, insert_one(c, msg, &ins));
    if (inserted)
        *inserted = rc == 0 ? ins : 0;
    return rc;
}

int dnasync_cache_insert_batch(dnasync_cache_t *c, const message_info_t *msgs, size_t n,
                               size_t *inserted)
{
    if (inserted)
        *inserted = 0;
    if (!c || (!msgs && n))
        return DNASYNC_EINVAL;
    int own;
    size_t total = 0;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int ins = 0;
        rc = insert_one(c, &msgs[i], &ins);
        total += (size_t)ins;
    }
    rc = cache_tx_end(c, own, rc);
    if (rc == 0 && inserted)
        *inserted = total;
    return rc;
}

int dnasync_cache_get(dnasync_cache_t *c, const char *message_id, message_info_t *out)
{
    if (!c || !out)
        return DNASYNC_EINVAL;
    memset(out, 0, sizeof *out);
    if (!message_id)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: get: no message id");
    sqlite3_stmt *st = c->st[ST_MSG_GET];
    int rc = cache_bind_text(c, st, 1, message_id);
    if (rc == 0)
        rc = cache_step(c, st, "get message");
    if (rc == 1)
        rc = cache_row_to_msg(c, st, out, NULL);
    else if (rc == 0)
        rc = dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no message %.64s", message_id);
    cache_done(st);
    return rc;
}

int dnasync_cache_has(dnasync_cache_t *c, const char *message_id)
{
    if (!c || !message_id)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_MSG_HAS];
    int rc = cache_bind_text(c, st, 1, message_id);
    if (rc == 0)
        rc = cache_step(c, st, "look up message");
    cache_done(st);
    return rc;
}

int dnasync_cache_pending(dnasync_cache_t *c, int64_t after_rowid, size_t limit,
                          message_info_t **out, int64_t *last_rowid, size_t *count)
{
    if (!c || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    if (limit == 0 || limit > 10000)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: pending: limit must be 1..10000");
    sqlite3_stmt *st = c->st[ST_PENDING];
    int rc;
    /* No SQL LIMIT (-1): a damaged row is skipped and must not take the place of a readable one,
     * so cache_collect_msgs stops after `limit` rows returned (rows are read lazily, in index
     * order, so nothing is read beyond them). */
    if ((rc = cache_bind_i64(c, st, 1, after_rowid)) || (rc = cache_bind_i64(c, st, 2, -1))) {
        cache_done(st);
        return rc;
    }
    return cache_collect_msgs(c, st, limit, out, count, last_rowid);
}

int dnasync_cache_mark_synced(dnasync_cache_t *c, const char *const *ids, size_t n)
{
    return cache_run_for_ids(c, ST_MARK_SYNCED, ids, n, "mark synced");
}

static int count_query(dnasync_cache_t *c, int which, size_t *n, const char *what)
{
    sqlite3_stmt *st = c->st[which];
    int rc = cache_step(c, st, what);
    if (rc == 1) {
        *n = (size_t)sqlite3_column_int64(st, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = dnasync_err_set(&c->err, DNASYNC_EIO, "cache: %s: no row", what);
    }
    cache_done(st);
    return rc;
}

int dnasync_cache_pending_count(dnasync_cache_t *c, size_t *n)
{
    if (!c || !n)
        return DNASYNC_EINVAL;
    return count_query(c, ST_PENDING_COUNT, n, "count pending");
}

int dnasync_cache_tombstones_pending_count(dnasync_cache_t *c, size_t *n)
{
    if (!c || !n)
        return DNASYNC_EINVAL;
    return count_query(c, ST_TOMB_PENDING_COUNT, n, "count pending tombstones");
}

int dnasync_cache_list(dnasync_cache_t *c, const char *conversation_id, const char *recipient,
                       size_t limit, int include_deleted, message_info_t **out, size_t *count)
{
    if (!c || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    int which = conversation_id ? (recipient ? ST_LIST_CONV_RCPT : ST_LIST_CONV)
                                : (recipient ? ST_LIST_RCPT : ST_LIST_ALL);
    sqlite3_stmt *st = c->st[which];
    int rc = 0;
    if ((conversation_id && (rc = cache_bind_text(c, st, 1, conversation_id))) ||
        (recipient && (rc = cache_bind_text(c, st, 2, recipient))) ||
        (rc = cache_bind_i64(c, st, 3, include_deleted ? 1 : 0)) ||
        (rc = cache_bind_i64(c, st, 4, -1))) { /* limit: in cache_collect_msgs, as in pending */
        cache_done(st);
        return rc;
    }
    return cache_collect_msgs(c, st, limit, out, count, NULL);
}

/* Binds id to ST_MSG_INFO and steps it: 1 with the statement on the row (the caller reads it,
 * then cache_done), 0 absent, negative error (both already reset). */
static int msg_info_row(dnasync_cache_t *c, const char *id)
{
    sqlite3_stmt *st = c->st[ST_MSG_INFO];
    int rc = cache_bind_text(c, st, 1, id);
    if (rc == 0)
        rc = cache_step(c, st, "look up message");
    if (rc != 1)
        cache_done(st);
    return rc;
}

int dnasync_cache_parties(dnasync_cache_t *c, const char *message_id,
                          char sender[DNASYNC_NAME_MAX + 1], char recipient[DNASYNC_NAME_MAX + 1])
{
    if (!c || !message_id || !sender || !recipient)
        return DNASYNC_EINVAL;
    int rc = msg_info_row(c, message_id);
    if (rc == 0)
        return dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no message %.64s", message_id);
    if (rc < 0)
        return rc;
    sqlite3_stmt *st = c->st[ST_MSG_INFO];
    const char *snd = (const char *)sqlite3_column_text(st, 3);
    const char *rcp = (const char *)sqlite3_column_text(st, 4);
    snprintf(sender, DNASYNC_NAME_MAX + 1, "%s", snd ? snd : "");
    snprintf(recipient, DNASYNC_NAME_MAX + 1, "%s", rcp ? rcp : "");
    cache_done(st);
    return 0;
}

/* 1 found, 0 absent, negative error. status gets the stored status ("" for NULL). */
int cache_msg_info(dnasync_cache_t *c, const char *id, char conv[DNASYNC_ID_HEX_LEN + 1],
                   char status[12], int *deleted, int *unread)
{
    int rc = msg_info_row(c, id);
    if (rc == 1) {
        sqlite3_stmt *st = c->st[ST_MSG_INFO];
        const char *cv = (const char *)sqlite3_column_text(st, 0);
        snprintf(conv, DNASYNC_ID_HEX_LEN + 1, "%s", cv ? cv : "");
        const char *stt = (const char *)sqlite3_column_text(st, 1);
        snprintf(status, 12, "%s", stt ? stt : "");
        *deleted = sqlite3_column_int64(st, 2) != 0;
        const char *snd = (const char *)sqlite3_column_text(st, 3);
        const char *rcp = (const char *)sqlite3_column_text(st, 4);
        *unread = snd && rcp && cache_counts_unread(c, snd, rcp, status, *deleted);
        cache_done(st);
    }
    return rc;
}

int cache_conv_unread_dec(dnasync_cache_t *c, const char *conv)
{
    sqlite3_stmt *st = c->st[ST_CONV_UNREAD_DEC];
    int rc = cache_bind_text(c, st, 1, conv);
    if (rc) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "decrement unread");
}

static int mark_read_tx(dnasync_cache_t *c, const char *id, int64_t read_at)
{
    char conv[DNASYNC_ID_HEX_LEN + 1], status[12];
    int deleted = 0, unread = 0;
    int rc = cache_msg_info(c, id, conv, status, &deleted, &unread);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no message %.64s", id);
    if (strcmp(status, "read") == 0)
        return 0; /* already read: nothing changes (read_at keeps its first value) */
    sqlite3_stmt *st = c->st[ST_MARK_READ];
    if ((rc = cache_bind_text(c, st, 1, id)) || (rc = cache_bind_i64_or_null(c, st, 2, read_at))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "mark read")))
        return rc;
    return unread ? cache_conv_unread_dec(c, conv) : 0;
}

int dnasync_cache_mark_read(dnasync_cache_t *c, const char *message_id, int64_t read_at)
{
    if (!c || !message_id)
        return DNASYNC_EINVAL;
    int own;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    return cache_tx_end(c, own, mark_read_tx(c, message_id, read_at));
}

int dnasync_cache_mark_delivered(dnasync_cache_t *c, const char *message_id, int64_t delivered_at)
{
    if (!c || !message_id)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_MARK_DELIVERED];
    int rc;
    if ((rc = cache_bind_text(c, st, 1, message_id)) ||
        (rc = cache_bind_i64_or_null(c, st, 2, delivered_at))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "mark delivered")))
        return rc;
    if (sqlite3_changes(c->db) == 0)
        return dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no message %.64s", message_id);
    return 0;
}

int dnasync_cache_ids_between(dnasync_cache_t *c, int64_t from_created, int64_t to_created,
                              void (*cb)(void *user, const char *message_id, int deleted),
                              void *user)
{
    if (!c || !cb)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_IDS_BETWEEN];
    int rc;
    if ((rc = cache_bind_i64(c, st, 1, from_created)) ||
        (rc = cache_bind_i64(c, st, 2, to_created))) {
        cache_done(st);
        return rc;
    }
    while ((rc = cache_step(c, st, "list ids")) == 1) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (id)
            cb(user, id, sqlite3_column_int64(st, 1) != 0);
    }
    cache_done(st);
    return rc < 0 ? rc : 0;
}

int dnasync_cache_prune(dnasync_cache_t *c, int64_t cutoff, size_t *deleted)
{
    if (deleted)
        *deleted = 0;
    if (!c)
        return DNASYNC_EINVAL;
    int own;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    size_t n = 0;
    /* Conversations first (their new values exclude the rows about to go), then the rows. */
    sqlite3_stmt *st = c->st[ST_PRUNE_CONV_FIX];
    if ((rc = cache_bind_i64(c, st, 1, cutoff)) || (rc = cache_bind_text(c, st, 2, c->self)))
        cache_done(st);
    else
        rc = cache_run(c, st, "prune: fix conversations");
    if (rc == 0) {
        st = c->st[ST_PRUNE_DELETE];
        if ((rc = cache_bind_i64(c, st, 1, cutoff)))
            cache_done(st);
        else if ((rc = cache_run(c, st, "prune")) == 0)
            n = (size_t)sqlite3_changes(c->db);
    }
    rc = cache_tx_end(c, own, rc);
    if (rc == 0 && deleted)
        *deleted = n;
    return rc;
}
