/* The outbox of summaries (migration 6): which (mailbox, day) summaries this device still has to
 * put, and the doorbell value to ring after each. Each call is one statement, hence atomic. */
#include "cache/cache_int.h"

#include <stdlib.h>
#include <string.h>

int dnasync_cache_outbox_mark(dnasync_cache_t *c, const char *mailbox, int64_t day,
                              const uint8_t *bell, size_t bell_len, int bell_kind,
                              uint64_t bell_vid, int64_t bell_created)
{
    if (!mailbox || !mailbox[0] || strlen(mailbox) > DNASYNC_NAME_MAX)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: outbox mailbox name invalid");
    sqlite3_stmt *st = c->st[ST_OUTBOX_MARK];
    int rc = cache_bind_text(c, st, 1, mailbox);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, day);
    if (rc == 0 && bell)
        rc = cache_bind_blob(c, st, 3, bell, bell_len);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, bell_kind);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 5, (int64_t)bell_vid);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 6, bell_created);
    if (rc != 0) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "mark a summary in the outbox");
}

static int row_to_entry(dnasync_cache_t *c, sqlite3_stmt *st, dnasync_outbox_entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(st, 0);
    const char *mb = (const char *)sqlite3_column_text(st, 1);
    if (!mb || strlen(mb) > DNASYNC_NAME_MAX)
        return dnasync_err_set(&c->err, DNASYNC_ECORRUPT, "cache: outbox entry %lld: bad mailbox",
                               (long long)e->seq);
    memcpy(e->mailbox, mb, strlen(mb) + 1);
    e->day = sqlite3_column_int64(st, 2);
    if (sqlite3_column_type(st, 3) == SQLITE_BLOB && sqlite3_column_bytes(st, 3) > 0) {
        size_t n = (size_t)sqlite3_column_bytes(st, 3);
        e->bell = malloc(n);
        if (!e->bell)
            return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "out of memory");
        memcpy(e->bell, sqlite3_column_blob(st, 3), n);
        e->bell_len = n;
    }
    e->bell_kind = sqlite3_column_int(st, 4);
    e->bell_vid = (uint64_t)sqlite3_column_int64(st, 5);
    e->bell_created = sqlite3_column_int64(st, 6);
    return DNASYNC_OK;
}

int dnasync_cache_outbox_list(dnasync_cache_t *c, dnasync_outbox_entry_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st = c->st[ST_OUTBOX_LIST];
    dnasync_outbox_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = cache_step(c, st, "list the outbox")) == 1) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            dnasync_outbox_entry_t *p = realloc(v, ncap * sizeof *p);
            if (!p) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "out of memory");
                break;
            }
            v = p;
            cap = ncap;
        }
        rc = row_to_entry(c, st, &v[n]);
        n++; /* counted even on failure: its bell (if any) is freed below */
        if (rc != 0)
            break;
    }
    cache_done(st);
    if (rc != 0) {
        dnasync_cache_outbox_free(v, n);
        return rc;
    }
    if (n == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *count = n;
    return DNASYNC_OK;
}

void dnasync_cache_outbox_free(dnasync_outbox_entry_t *entries, size_t count)
{
    for (size_t i = 0; entries && i < count; i++)
        free(entries[i].bell);
    free(entries);
}

int dnasync_cache_outbox_clear(dnasync_cache_t *c, int64_t seq)
{
    sqlite3_stmt *st = c->st[ST_OUTBOX_CLEAR];
    int rc = cache_bind_i64(c, st, 1, seq);
    if (rc != 0) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "clear an outbox entry");
}

int dnasync_cache_outbox_count(dnasync_cache_t *c, size_t *n)
{
    sqlite3_stmt *st = c->st[ST_OUTBOX_COUNT];
    int rc = cache_step(c, st, "count the outbox");
    if (rc < 0)
        return rc;
    *n = (size_t)sqlite3_column_int64(st, 0);
    cache_done(st);
    return DNASYNC_OK;
}
