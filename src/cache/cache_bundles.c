/* Bundles recorded before their put (migration 8): the bytes to re-put after a crash and the
 * messages whose values they carry. Statements are prepared per call: the engine makes a few
 * calls per upload pass (one per bundle), never one per message on the normal path. */
#include "cache/cache_int.h"

#include <stdlib.h>
#include <string.h>

static int prep(dnasync_cache_t *c, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? DNASYNC_OK : cache_sql_err(c, rc, "prepare a bundle statement");
}

static int add_rows(dnasync_cache_t *c, const dnasync_bundle_rec_t *b,
                    const char *const *member_ids, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(c,
                  "INSERT OR IGNORE INTO bundle_outbox (mailbox, value_id, day, shard, kind, "
                  "created, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  &st);
    if (rc == 0)
        rc = cache_bind_text(c, st, 1, b->mailbox);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, (int64_t)b->vid);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, b->day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, (int64_t)b->shard);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 5, b->kind);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 6, b->created);
    if (rc == 0)
        rc = cache_bind_blob(c, st, 7, b->value, b->len);
    if (rc == 0)
        rc = cache_run(c, st, "record a bundle");
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0)
        rc = prep(c,
                  "INSERT OR IGNORE INTO bundle_members (mailbox, value_id, kind, message_id) "
                  "VALUES (?1, ?2, ?3, ?4)",
                  &st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_reset(st);
        rc = cache_bind_text(c, st, 1, b->mailbox);
        if (rc == 0)
            rc = cache_bind_i64(c, st, 2, (int64_t)b->vid);
        if (rc == 0)
            rc = cache_bind_i64(c, st, 3, b->kind);
        if (rc == 0)
            rc = cache_bind_text(c, st, 4, member_ids[i]);
        if (rc == 0)
            rc = cache_run(c, st, "record a bundle member");
    }
    sqlite3_finalize(st);
    return rc;
}

int dnasync_cache_bundle_add(dnasync_cache_t *c, const dnasync_bundle_rec_t *b,
                             const char *const *member_ids, size_t n)
{
    if (!b || !b->value || (n && !member_ids))
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: bad bundle record");
    int own = 0;
    int rc = cache_tx_begin(c, &own);
    if (rc != 0)
        return rc;
    return cache_tx_end(c, own, add_rows(c, b, member_ids, n));
}

static int row_to_rec(dnasync_cache_t *c, sqlite3_stmt *st, dnasync_bundle_rec_t *r)
{
    memset(r, 0, sizeof *r);
    const char *mb = (const char *)sqlite3_column_text(st, 0);
    if (!mb || strlen(mb) > DNASYNC_NAME_MAX || sqlite3_column_bytes(st, 6) <= 0)
        return dnasync_err_set(&c->err, DNASYNC_ECORRUPT, "cache: a recorded bundle is damaged");
    memcpy(r->mailbox, mb, strlen(mb) + 1);
    r->vid = (uint64_t)sqlite3_column_int64(st, 1);
    r->day = sqlite3_column_int64(st, 2);
    r->shard = (unsigned)sqlite3_column_int64(st, 3);
    r->kind = sqlite3_column_int(st, 4);
    r->created = sqlite3_column_int64(st, 5);
    r->len = (size_t)sqlite3_column_bytes(st, 6);
    r->value = malloc(r->len);
    if (!r->value)
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "out of memory");
    memcpy(r->value, sqlite3_column_blob(st, 6), r->len);
    return DNASYNC_OK;
}

int dnasync_cache_bundle_list(dnasync_cache_t *c, dnasync_bundle_rec_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(c,
                  "SELECT mailbox, value_id, day, shard, kind, created, value FROM bundle_outbox "
                  "ORDER BY day, mailbox, shard, value_id",
                  &st);
    dnasync_bundle_rec_t *v = NULL;
    size_t n = 0, cap = 0;
    while (rc == 0 && (rc = cache_step(c, st, "list recorded bundles")) == 1) {
        rc = 0;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            dnasync_bundle_rec_t *p = realloc(v, ncap * sizeof *p);
            if (!p) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "out of memory");
                break;
            }
            v = p;
            cap = ncap;
        }
        rc = row_to_rec(c, st, &v[n]);
        n++; /* counted even on failure: freed below */
    }
    sqlite3_finalize(st);
    if (rc != 0) {
        dnasync_cache_bundle_free(v, n);
        return rc;
    }
    *out = v;
    *count = n;
    return DNASYNC_OK;
}

void dnasync_cache_bundle_free(dnasync_bundle_rec_t *recs, size_t count)
{
    for (size_t i = 0; recs && i < count; i++)
        free(recs[i].value);
    free(recs);
}

typedef char id_t_[DNASYNC_ID_HEX_LEN + 1];

static int done_rows(dnasync_cache_t *c, const char *mailbox, uint64_t vid, id_t_ **freed,
                     size_t *n_freed)
{
    sqlite3_stmt *st = NULL;
    /* members no other recorded bundle of the same kind carries (before this one is deleted) */
    int rc = prep(c,
                  "SELECT m.message_id FROM bundle_members m WHERE m.mailbox = ?1 AND "
                  "m.value_id = ?2 AND NOT EXISTS (SELECT 1 FROM bundle_members o WHERE "
                  "o.message_id = m.message_id AND o.kind = m.kind AND NOT (o.mailbox = ?1 AND "
                  "o.value_id = ?2))",
                  &st);
    if (rc == 0)
        rc = cache_bind_text(c, st, 1, mailbox);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, (int64_t)vid);
    size_t cap = 0;
    while (rc == 0 && (rc = cache_step(c, st, "list a bundle's members")) == 1) {
        rc = 0;
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (!id || strlen(id) != DNASYNC_ID_HEX_LEN)
            continue;
        if (*n_freed == cap) {
            cap = cap ? 2 * cap : 16;
            id_t_ *p = realloc(*freed, cap * sizeof *p);
            if (!p) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "out of memory");
                break;
            }
            *freed = p;
        }
        memcpy((*freed)[(*n_freed)++], id, DNASYNC_ID_HEX_LEN + 1);
    }
    sqlite3_finalize(st);
    static const char *const del[2] = {
        "DELETE FROM bundle_members WHERE mailbox = ?1 AND value_id = ?2",
        "DELETE FROM bundle_outbox WHERE mailbox = ?1 AND value_id = ?2"};
    for (int i = 0; rc == 0 && i < 2; i++) {
        rc = prep(c, del[i], &st);
        if (rc == 0)
            rc = cache_bind_text(c, st, 1, mailbox);
        if (rc == 0)
            rc = cache_bind_i64(c, st, 2, (int64_t)vid);
        if (rc == 0)
            rc = cache_run(c, st, "forget a bundle");
        sqlite3_finalize(st);
        st = NULL;
    }
    return rc;
}

int dnasync_cache_bundle_done(dnasync_cache_t *c, const char *mailbox, uint64_t vid,
                              char (**freed)[DNASYNC_ID_HEX_LEN + 1], size_t *n_freed)
{
    *freed = NULL;
    *n_freed = 0;
    int own = 0;
    int rc = cache_tx_begin(c, &own);
    if (rc == 0)
        rc = cache_tx_end(c, own, done_rows(c, mailbox, vid, freed, n_freed));
    if (rc != 0) {
        free(*freed);
        *freed = NULL;
        *n_freed = 0;
    }
    return rc;
}

int dnasync_cache_bundle_count(dnasync_cache_t *c, size_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    int rc = prep(c, "SELECT count(*) FROM bundle_outbox", &st);
    if (rc == 0 && (rc = cache_step(c, st, "count recorded bundles")) == 1) {
        *n = (size_t)sqlite3_column_int64(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : DNASYNC_OK;
}

int dnasync_cache_bundle_holds(dnasync_cache_t *c, int kind, const char *message_id)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(c, "SELECT 1 FROM bundle_members WHERE message_id = ?1 AND kind = ?2", &st);
    if (rc == 0)
        rc = cache_bind_text(c, st, 1, message_id);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, kind);
    if (rc == 0)
        rc = cache_step(c, st, "look up bundle members");
    sqlite3_finalize(st);
    return rc;
}
