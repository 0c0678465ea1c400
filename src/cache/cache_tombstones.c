/* Tombstones: soft delete + last-write-wins upsert, pending list, range walk. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int delete_tx(dnasync_cache_t *c, const char *id, int64_t deleted_at, int synced,
                     int *changed)
{
    sqlite3_stmt *st = c->st[ST_TOMB_UPSERT];
    int rc;
    if ((rc = cache_bind_text(c, st, 1, id)) || (rc = cache_bind_i64(c, st, 2, deleted_at)) ||
        (rc = cache_bind_i64(c, st, 3, synced ? 1 : 0))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "upsert tombstone")))
        return rc;
    *changed = sqlite3_changes(c->db) > 0;

    char conv[DNASYNC_ID_HEX_LEN + 1], status[12];
    int deleted = 0, unread = 0;
    rc = cache_msg_info(c, id, conv, status, &deleted, &unread);
    if (rc <= 0 || deleted)
        return rc < 0 ? rc : 0; /* no message (a tombstone may come first), or already deleted */
    st = c->st[ST_MSG_SOFT_DELETE];
    if ((rc = cache_bind_text(c, st, 1, id))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "soft-delete message")))
        return rc;
    *changed = 1;
    if (unread && (rc = cache_conv_unread_dec(c, conv)))
        return rc;
    st = c->st[ST_CONV_REFRESH_LAST];
    if ((rc = cache_bind_text(c, st, 1, conv))) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "refresh conversation");
}

int dnasync_cache_delete(dnasync_cache_t *c, const char *message_id, int64_t deleted_at, int synced,
                         int *changed)
{
    if (changed)
        *changed = 0;
    if (!c)
        return DNASYNC_EINVAL;
    int rc = cache_check_id(c, message_id, "delete");
    if (rc)
        return rc;
    int own, ch = 0;
    if ((rc = cache_tx_begin(c, &own)))
        return rc;
    rc = cache_tx_end(c, own, delete_tx(c, message_id, deleted_at, synced, &ch));
    if (rc == 0 && changed)
        *changed = ch;
    return rc;
}

int dnasync_cache_tombstones_pending(dnasync_cache_t *c, size_t limit, dnasync_tombstone_t **out,
                                     size_t *count)
{
    if (!c || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st = c->st[ST_TOMB_PENDING];
    int rc = cache_bind_i64(c, st, 1, limit ? (int64_t)limit : -1);
    if (rc) {
        cache_done(st);
        return rc;
    }
    dnasync_tombstone_t *arr = NULL;
    size_t n = 0, cap = 0;
    while ((rc = cache_step(c, st, "list pending tombstones")) == 1) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            dnasync_tombstone_t *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
                break;
            }
            arr = na;
            cap = nc;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(arr[n].message_id, sizeof arr[n].message_id, "%s", id ? id : "");
        arr[n].deleted_at = sqlite3_column_int64(st, 1);
        n++;
    }
    cache_done(st);
    if (rc < 0) {
        free(arr);
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

int dnasync_cache_tombstone_mark_synced(dnasync_cache_t *c, const char *const *ids, size_t n)
{
    return cache_run_for_ids(c, ST_TOMB_MARK_SYNCED, ids, n, "mark tombstone synced");
}

int dnasync_cache_tombstone_get(dnasync_cache_t *c, const char *message_id, int64_t *deleted_at,
                                int *synced)
{
    if (!c || !message_id)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_TOMB_GET];
    int rc = cache_bind_text(c, st, 1, message_id);
    if (rc == 0)
        rc = cache_step(c, st, "get tombstone");
    if (rc == 1) {
        if (deleted_at)
            *deleted_at = sqlite3_column_int64(st, 0);
        if (synced)
            *synced = sqlite3_column_int64(st, 1) != 0;
        rc = 0;
    } else if (rc == 0) {
        rc = dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no tombstone for %.64s",
                             message_id);
    }
    cache_done(st);
    return rc;
}

int dnasync_cache_tombstone_ids_between(
    dnasync_cache_t *c, int64_t from_deleted, int64_t to_deleted,
    void (*cb)(void *user, const char *message_id, int64_t deleted_at), void *user)
{
    if (!c || !cb)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_TOMB_BETWEEN];
    int rc;
    if ((rc = cache_bind_i64(c, st, 1, from_deleted)) ||
        (rc = cache_bind_i64(c, st, 2, to_deleted))) {
        cache_done(st);
        return rc;
    }
    while ((rc = cache_step(c, st, "list tombstones")) == 1) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (id)
            cb(user, id, sqlite3_column_int64(st, 1));
    }
    cache_done(st);
    return rc < 0 ? rc : 0;
}
