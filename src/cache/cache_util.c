/* SQLite helpers shared by the cache files: errors, binding, stepping, transactions, rows. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cache_sql_err(dnasync_cache_t *c, int rc, const char *what)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG: code = DNASYNC_EINVAL; break;
    case SQLITE_NOMEM: code = DNASYNC_ENOMEM; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = DNASYNC_ECORRUPT; break;
    default: code = DNASYNC_EIO; break;
    }
    return dnasync_err_set(&c->err, code, "cache: %s: %s (sqlite error %d)", what,
                           c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), rc);
}

void cache_done(sqlite3_stmt *st)
{
    /* sqlite3_reset repeats the error of the last step, which the caller has already
     * handled; sqlite3_clear_bindings always returns SQLITE_OK. */
    (void)sqlite3_reset(st);
    (void)sqlite3_clear_bindings(st);
}

int cache_bind_text(dnasync_cache_t *c, sqlite3_stmt *st, int idx, const char *s)
{
    int rc = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
    return rc == SQLITE_OK ? 0 : cache_sql_err(c, rc, "bind text");
}

int cache_bind_i64(dnasync_cache_t *c, sqlite3_stmt *st, int idx, int64_t v)
{
    int rc = sqlite3_bind_int64(st, idx, (sqlite3_int64)v);
    return rc == SQLITE_OK ? 0 : cache_sql_err(c, rc, "bind integer");
}

int cache_bind_i64_or_null(dnasync_cache_t *c, sqlite3_stmt *st, int idx, int64_t v)
{
    int rc = v ? sqlite3_bind_int64(st, idx, (sqlite3_int64)v) : sqlite3_bind_null(st, idx);
    return rc == SQLITE_OK ? 0 : cache_sql_err(c, rc, "bind integer");
}

int cache_bind_blob(dnasync_cache_t *c, sqlite3_stmt *st, int idx, const void *p, size_t n)
{
    int rc;
    if (n > 0x7fffffff)
        return dnasync_err_set(&c->err, DNASYNC_ETOOBIG, "cache: blob of %zu bytes", n);
    if (n == 0 || !p)
        rc = sqlite3_bind_zeroblob(st, idx, 0); /* empty, not NULL (the column is NOT NULL) */
    else
        rc = sqlite3_bind_blob(st, idx, p, (int)n, SQLITE_TRANSIENT);
    return rc == SQLITE_OK ? 0 : cache_sql_err(c, rc, "bind blob");
}

int cache_step(dnasync_cache_t *c, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int e = cache_sql_err(c, rc, what);
    cache_done(st);
    return e;
}

int cache_run(dnasync_cache_t *c, sqlite3_stmt *st, const char *what)
{
    int rc;
    do {
        rc = cache_step(c, st, what);
    } while (rc == 1); /* statements run here return no rows; bounded by SQLite */
    if (rc == 0)
        cache_done(st);
    return rc;
}

int cache_tx_begin(dnasync_cache_t *c, int *own)
{
    *own = sqlite3_get_autocommit(c->db) != 0;
    return cache_run(c, c->st[*own ? ST_BEGIN : ST_SAVEPOINT], *own ? "begin" : "savepoint");
}

int cache_tx_end(dnasync_cache_t *c, int own, int rc)
{
    if (rc == 0) {
        int e = cache_run(c, c->st[own ? ST_COMMIT : ST_RELEASE], own ? "commit" : "release");
        if (e == 0)
            return 0;
        rc = e; /* fall through to the rollback, keeping the commit's error */
    }
    /* Roll back without overwriting the error that caused it. */
    dnasync_err_t keep = c->err;
    if (own) {
        if (!sqlite3_get_autocommit(c->db))
            (void)cache_run(c, c->st[ST_ROLLBACK], "rollback");
    } else if (!sqlite3_get_autocommit(c->db)) {
        if (cache_run(c, c->st[ST_ROLLBACK_TO], "rollback to savepoint") == 0)
            (void)cache_run(c, c->st[ST_RELEASE], "release");
    }
    c->err = keep;
    return rc;
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static void col_fixed(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    dst[0] = '\0';
    if (t) {
        size_t n = strlen((const char *)t);
        if (n >= cap)
            n = cap - 1;
        memcpy(dst, t, n);
        dst[n] = '\0';
    }
}

int cache_row_to_msg(dnasync_cache_t *c, sqlite3_stmt *st, message_info_t *m, int64_t *rowid)
{
    memset(m, 0, sizeof *m);
    if (rowid)
        *rowid = sqlite3_column_int64(st, 0);
    col_fixed(st, 1, m->message_id, sizeof m->message_id);
    col_fixed(st, 2, m->conversation_id, sizeof m->conversation_id);
    m->sender = col_strdup(st, 3);
    m->recipient = col_strdup(st, 4);
    int64_t enc = sqlite3_column_int64(st, 13);
    int64_t orig_len = sqlite3_column_int64(st, 14); /* NULL (raw rows) reads as 0 */
    const void *blob = sqlite3_column_blob(st, 5);
    int bl = sqlite3_column_bytes(st, 5);
    if (enc == CACHE_CT_ZLIB) {
        int rc = cache_ct_decode(c, m->message_id, blob, (size_t)bl, orig_len, &m->ciphertext);
        if (rc) {
            message_info_clear(m);
            return rc;
        }
        m->ciphertext_len = (size_t)orig_len; /* checked by cache_ct_decode */
    } else if (enc != CACHE_CT_RAW) {
        int e = dnasync_err_set(&c->err, DNASYNC_ECORRUPT,
                                "cache: message %.64s: unknown ciphertext encoding %lld",
                                m->message_id, (long long)enc);
        message_info_clear(m);
        return e;
    } else if (bl > 0) {
        m->ciphertext = malloc((size_t)bl);
        if (m->ciphertext) {
            memcpy(m->ciphertext, blob, (size_t)bl);
            m->ciphertext_len = (size_t)bl;
        }
    }
    col_fixed(st, 6, m->status, sizeof m->status);
    m->created_at = sqlite3_column_int64(st, 7);
    m->delivered_at = sqlite3_column_int64(st, 8); /* NULL reads as 0 */
    m->read_at = sqlite3_column_int64(st, 9);
    m->synced_to_dht = sqlite3_column_int64(st, 10) != 0;
    m->deleted = sqlite3_column_int64(st, 11) != 0;
    m->group_id = sqlite3_column_int64(st, 12);
    if (!m->sender || !m->recipient || (bl > 0 && !m->ciphertext)) {
        message_info_clear(m);
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory reading a row");
    }
    return 0;
}

void dnasync_cache_free_messages(message_info_t *msgs, size_t count)
{
    if (!msgs)
        return;
    for (size_t i = 0; i < count; i++)
        message_info_clear(&msgs[i]);
    free(msgs);
}

/* Records a row whose ciphertext cannot be decoded (cache_row_to_msg said DNASYNC_ECORRUPT, its
 * reason in c->err): counted, remembered as the last one, passed to the damaged callback. The
 * row itself is not touched. c->err goes back to what it was: the read goes on and succeeds. */
static void note_damaged(dnasync_cache_t *c, sqlite3_stmt *st, const dnasync_err_t *before)
{
    c->damaged++;
    col_fixed(st, 1, c->damaged_id, sizeof c->damaged_id);
    /* The reason without the "cache: message <id>: " its message starts with. */
    const char *msg = dnasync_err_msg(&c->err);
    char prefix[DNASYNC_ID_HEX_LEN + 32];
    int pl = snprintf(prefix, sizeof prefix, "cache: message %s: ", c->damaged_id);
    if (pl > 0 && (size_t)pl < sizeof prefix && strncmp(msg, prefix, (size_t)pl) == 0)
        msg += pl;
    snprintf(c->damaged_why, sizeof c->damaged_why, "%s", msg);
    c->err = *before;
    if (c->damaged_cb)
        c->damaged_cb(c->damaged_user, c->damaged_id, c->damaged_why);
}

int cache_collect_msgs(dnasync_cache_t *c, sqlite3_stmt *st, size_t limit, message_info_t **out,
                       size_t *count, int64_t *last_rowid)
{
    message_info_t *arr = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    dnasync_err_t before = c->err;
    /* Bounded by the statement's rows (and its LIMIT, if bound). */
    while ((!limit || n < limit) && (rc = cache_step(c, st, "read messages")) == 1) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            message_info_t *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
                break;
            }
            arr = na;
            cap = nc;
        }
        int64_t rowid;
        rc = cache_row_to_msg(c, st, &arr[n], &rowid);
        if (rc == DNASYNC_ECORRUPT) {
            /* Damaged on disk: skip it (the others are still readable), never fail on it. */
            note_damaged(c, st, &before);
            rc = 0;
        } else if (rc) {
            break;
        } else {
            n++;
        }
        if (last_rowid)
            *last_rowid = rowid;
    }
    cache_done(st); /* harmless if cache_step already reset it */
    if (rc > 0)
        rc = 0; /* stopped at the limit */
    if (rc) {
        dnasync_cache_free_messages(arr, n);
        *out = NULL;
        *count = 0;
        return rc;
    }
    if (n == 0) {
        free(arr);
        arr = NULL;
    }
    *out = arr;
    *count = n;
    return 0;
}

int64_t dnasync_cache_damaged_count(const dnasync_cache_t *c)
{
    return c ? c->damaged : 0;
}

const char *dnasync_cache_damaged_last(const dnasync_cache_t *c,
                                       char message_id_out[DNASYNC_ID_HEX_LEN + 1])
{
    int any = c && c->damaged > 0;
    if (message_id_out)
        snprintf(message_id_out, DNASYNC_ID_HEX_LEN + 1, "%s", any ? c->damaged_id : "");
    return any ? c->damaged_why : NULL;
}

void dnasync_cache_set_damaged_callback(dnasync_cache_t *c, dnasync_cache_damaged_cb cb, void *user)
{
    if (!c)
        return;
    c->damaged_cb = cb;
    c->damaged_user = cb ? user : NULL;
}

int cache_valid_id(const char *s)
{
    if (!s)
        return 0;
    size_t i = 0;
    for (; i < 65 && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == DNASYNC_ID_HEX_LEN;
}

int cache_check_id(dnasync_cache_t *c, const char *id, const char *what)
{
    if (cache_valid_id(id))
        return 0;
    return dnasync_err_set(&c->err, DNASYNC_EINVAL,
                           "cache: %s: message id must be 64 lowercase hex characters", what);
}

int cache_run_for_ids(dnasync_cache_t *c, int which, const char *const *ids, size_t n,
                      const char *what)
{
    if (!c || (!ids && n))
        return DNASYNC_EINVAL;
    int own;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    sqlite3_stmt *st = c->st[which];
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!ids[i]) {
            rc = dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: %s: NULL id", what);
            break;
        }
        if ((rc = cache_bind_text(c, st, 1, ids[i])))
            cache_done(st);
        else
            rc = cache_run(c, st, what);
    }
    return cache_tx_end(c, own, rc);
}
