/* sync_state rows (one per device) and the sync_meta key/value table. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dnasync_cache_state_get(dnasync_cache_t *c, const char *device_id, dnasync_sync_state_t *out)
{
    if (!c || !device_id || !out)
        return DNASYNC_EINVAL;
    memset(out, 0, sizeof *out);
    snprintf(out->device_id, sizeof out->device_id, "%s", device_id);
    sqlite3_stmt *st = c->st[ST_STATE_GET];
    int rc = cache_bind_text(c, st, 1, device_id);
    if (rc == 0)
        rc = cache_step(c, st, "read sync state");
    if (rc == 1) {
        out->last_upload_time = sqlite3_column_int64(st, 0);
        out->last_download_time = sqlite3_column_int64(st, 1);
        out->pending_uploads = sqlite3_column_int64(st, 2);
        out->pending_downloads = sqlite3_column_int64(st, 3);
        cache_done(st);
        return 0;
    }
    cache_done(st);
    if (rc < 0)
        return rc;
    size_t n = 0; /* no row yet: what the row would say */
    rc = dnasync_cache_pending_count(c, &n);
    out->pending_uploads = (int64_t)n;
    return rc;
}

static int state_set(dnasync_cache_t *c, const char *device_id, int which, int64_t v,
                     const char *what)
{
    if (!c || !device_id || !*device_id)
        return c ? dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: %s: no device id", what)
                 : DNASYNC_EINVAL;
    int own;
    int rc = cache_tx_begin(c, &own);
    if (rc)
        return rc;
    sqlite3_stmt *st = c->st[ST_STATE_ENSURE];
    if ((rc = cache_bind_text(c, st, 1, device_id)))
        cache_done(st);
    else
        rc = cache_run(c, st, what);
    if (rc == 0) {
        st = c->st[which];
        if ((rc = cache_bind_text(c, st, 1, device_id)) ||
            (rc = which == ST_STATE_SET_PD ? cache_bind_i64(c, st, 2, v)
                                           : cache_bind_i64_or_null(c, st, 2, v)))
            cache_done(st);
        else
            rc = cache_run(c, st, what);
    }
    return cache_tx_end(c, own, rc);
}

int dnasync_cache_state_set_upload_time(dnasync_cache_t *c, const char *device_id, int64_t t)
{
    return state_set(c, device_id, ST_STATE_SET_UP, t, "set upload time");
}

int dnasync_cache_state_set_download_time(dnasync_cache_t *c, const char *device_id, int64_t t)
{
    return state_set(c, device_id, ST_STATE_SET_DOWN, t, "set download time");
}

int dnasync_cache_state_set_pending_downloads(dnasync_cache_t *c, const char *device_id, int64_t n)
{
    return state_set(c, device_id, ST_STATE_SET_PD, n, "set pending downloads");
}

int dnasync_cache_meta_get(dnasync_cache_t *c, const char *key, char **value_out)
{
    if (!c || !key || !value_out)
        return DNASYNC_EINVAL;
    *value_out = NULL;
    sqlite3_stmt *st = c->st[ST_META_GET];
    int rc = cache_bind_text(c, st, 1, key);
    if (rc == 0)
        rc = cache_step(c, st, "read meta");
    if (rc == 1) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *value_out = strdup(v ? v : "");
        rc = *value_out ? 0 : dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
    } else if (rc == 0) {
        rc = dnasync_err_set(&c->err, DNASYNC_ENOTFOUND, "cache: no meta key '%.100s'", key);
    }
    cache_done(st);
    return rc;
}

int dnasync_cache_meta_set(dnasync_cache_t *c, const char *key, const char *value)
{
    if (!c || !key || !value)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_META_SET];
    int rc;
    if ((rc = cache_bind_text(c, st, 1, key)) || (rc = cache_bind_text(c, st, 2, value))) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "write meta");
}

int dnasync_cache_meta_delete(dnasync_cache_t *c, const char *key)
{
    if (!c || !key)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_META_DEL];
    int rc = cache_bind_text(c, st, 1, key);
    if (rc) {
        cache_done(st);
        return rc;
    }
    return cache_run(c, st, "delete meta");
}
