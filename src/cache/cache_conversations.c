/* Conversations: listing and per-conversation sync time. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int row_to_conv(dnasync_cache_t *c, sqlite3_stmt *st, dnasync_conversation_t *cv)
{
    memset(cv, 0, sizeof *cv);
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *type = (const char *)sqlite3_column_text(st, 1);
    const char *parts = (const char *)sqlite3_column_text(st, 2);
    snprintf(cv->id, sizeof cv->id, "%s", id ? id : "");
    snprintf(cv->type, sizeof cv->type, "%s", type ? type : "");
    cv->participants = strdup(parts ? parts : "[]");
    cv->last_message_at = sqlite3_column_int64(st, 3);
    cv->unread_count = sqlite3_column_int64(st, 4);
    cv->last_sync_time = sqlite3_column_int64(st, 5);
    if (!cv->participants)
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
    return 0;
}

void dnasync_cache_free_conversations(dnasync_conversation_t *convs, size_t count)
{
    if (!convs)
        return;
    for (size_t i = 0; i < count; i++)
        free(convs[i].participants);
    free(convs);
}

int dnasync_cache_conversations(dnasync_cache_t *c, dnasync_conversation_t **out, size_t *count)
{
    if (!c || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st = c->st[ST_CONV_LIST];
    dnasync_conversation_t *arr = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = cache_step(c, st, "list conversations")) == 1) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            dnasync_conversation_t *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                rc = dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
                break;
            }
            arr = na;
            cap = nc;
        }
        if ((rc = row_to_conv(c, st, &arr[n])))
            break;
        n++;
    }
    cache_done(st);
    if (rc < 0) {
        dnasync_cache_free_conversations(arr, n);
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

int dnasync_cache_conversation_get(dnasync_cache_t *c, const char *id, dnasync_conversation_t *out)
{
    if (!c || !id || !out)
        return DNASYNC_EINVAL;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = c->st[ST_CONV_GET];
    int rc = cache_bind_text(c, st, 1, id);
    if (rc == 0)
        rc = cache_step(c, st, "get conversation");
    if (rc == 1)
        rc = row_to_conv(c, st, out);
    else if (rc == 0)
        rc = dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no conversation %.64s", id);
    cache_done(st);
    return rc;
}

int dnasync_cache_conversation_set_last_sync(dnasync_cache_t *c, const char *id, int64_t t)
{
    if (!c || !id)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_CONV_SET_SYNC];
    int rc;
    if ((rc = cache_bind_text(c, st, 1, id)) || (rc = cache_bind_i64(c, st, 2, t))) {
        cache_done(st);
        return rc;
    }
    if ((rc = cache_run(c, st, "set conversation sync time")))
        return rc;
    if (sqlite3_changes(c->db) == 0)
        return dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no conversation %.64s", id);
    return 0;
}
