/* Read receipts: local by default; shared with this identity's own devices when asked. A shared
 * receipt waits in sync_meta ("receipt_pending:<id>" = read_at) until the DHT confirmed it. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_killpoint.h"
#include "sync/sync_values.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENDING "receipt_pending:"
#define EARLY "receipt_early:"

static int meta_key(char *buf, size_t len, const char *prefix, const char *id)
{
    return snprintf(buf, len, "%s%s", prefix, id) < (int)len ? 0 : DNASYNC_EINVAL;
}

int sync_mark_read(sync_context_t *ctx, const char *message_id)
{
    pthread_mutex_lock(&ctx->lock);
    int64_t now = (int64_t)dnasync_env_now(ctx->env);
    int rc = dnasync_cache_mark_read(ctx->cache, message_id, now);
    if (rc != 0) {
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    } else if (ctx->share_read_receipts) {
        char key[sizeof PENDING + DNASYNC_ID_HEX_LEN], at[32];
        snprintf(at, sizeof at, "%lld", (long long)now);
        rc = meta_key(key, sizeof key, PENDING, message_id);
        if (rc == 0 && dnasync_cache_meta_set(ctx->cache, key, at) != 0)
            rc = sync_cache_fail(ctx);
        if (rc == 0 && ctx->net)
            sync_upload_receipts_locked(ctx, NULL); /* else with the next pass */
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

typedef struct pending_list {
    char (*ids)[DNASYNC_ID_HEX_LEN + 1];
    int64_t *at;
    size_t n, cap;
} pending_list_t;

static void collect(void *user, const char *key, const char *value)
{
    pending_list_t *p = user;
    const char *id = key + strlen(PENDING);
    if (strlen(id) != DNASYNC_ID_HEX_LEN || p->n == p->cap)
        return;
    memcpy(p->ids[p->n], id, DNASYNC_ID_HEX_LEN + 1);
    p->at[p->n++] = strtoll(value, NULL, 10);
}

int sync_upload_receipts_locked(sync_context_t *ctx, size_t *uploaded)
{
    pending_list_t p = {NULL, NULL, 0, SYNC_BATCH};
    p.ids = calloc(SYNC_BATCH, sizeof *p.ids);
    p.at = calloc(SYNC_BATCH, sizeof *p.at);
    int rc = p.ids && p.at ? sync_need_network(ctx) : DNASYNC_ENOMEM;
    if (rc == 0 && dnasync_cache_meta_each(ctx->cache, PENDING, collect, &p) != 0)
        rc = sync_cache_fail(ctx);
    net_put_t *puts = rc == 0 && p.n ? calloc(p.n, sizeof *puts) : NULL;
    if (rc == 0 && p.n && !puts)
        rc = DNASYNC_ENOMEM;
    int64_t day = sync_today(ctx);
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        uint8_t *val = NULL;
        rc = sv_encode_mark(ctx, SV_RECEIPT, p.ids[i], p.at[i], &val, &puts[i].len, &puts[i].vid);
        puts[i].val = val;
        puts[i].kind = SV_RECEIPT;
        puts[i].created = p.at[i];
        net_key_box(ctx->identity, day, sv_shard(p.ids[i]), puts[i].key);
    }
    if (rc == 0 && p.n)
        rc = net_put_many(ctx, puts, p.n);
    if (rc == 0 && p.n)
        sync_kill_point("put");
    /* one transaction: the receipts leave the pending list together with the outbox mark of
     * the summary that counts them */
    size_t done = 0;
    bool any = false;
    for (size_t i = 0; rc == 0 && i < p.n; i++)
        any = any || puts[i].ok;
    if (rc == 0 && any && dnasync_cache_begin(ctx->cache) != 0)
        rc = sync_cache_fail(ctx);
    if (rc == 0 && any) {
        touched_t touched = {NULL, 0, 0};
        for (size_t i = 0; rc == 0 && i < p.n; i++) {
            if (!puts[i].ok)
                continue;
            char key[sizeof PENDING + DNASYNC_ID_HEX_LEN];
            meta_key(key, sizeof key, PENDING, p.ids[i]);
            if (dnasync_cache_index_add(ctx->cache, ctx->identity, day, sv_shard(p.ids[i]),
                                        puts[i].vid, p.ids[i], SV_INDEX_RECEIPT, 1) != 0 ||
                dnasync_cache_meta_delete(ctx->cache, key) != 0)
                rc = sync_cache_fail(ctx);
            else
                rc = sync_touch(ctx, &touched, ctx->identity, &puts[i]);
            done++;
        }
        if (rc == 0)
            rc = sync_outbox_mark_locked(ctx, &touched, day);
        free(touched.box);
        rc = sync_tx_finish(ctx, rc);
        if (rc == 0)
            sync_kill_point("flag");
        else
            done = 0;
    }
    if (ctx->net && ctx->id && sync_outbox_flush_locked(ctx) != 0 && rc == 0)
        rc = DNASYNC_EDHT;
    for (size_t i = 0; puts && i < p.n; i++)
        free((void *)puts[i].val);
    free(puts);
    free(p.ids);
    free(p.at);
    if (rc == 0 && done < p.n)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "%zu read receipts not confirmed; pending",
                             p.n - done);
    if (uploaded)
        *uploaded = done;
    return rc;
}

int sync_receipt_apply(sync_context_t *ctx, const char *message_id, int64_t read_at)
{
    int has = dnasync_cache_has(ctx->cache, message_id);
    if (has < 0)
        return has;
    if (has)
        return dnasync_cache_mark_read(ctx->cache, message_id, read_at);
    char key[sizeof EARLY + DNASYNC_ID_HEX_LEN], at[32];
    snprintf(at, sizeof at, "%lld", (long long)read_at);
    int rc = meta_key(key, sizeof key, EARLY, message_id);
    return rc == 0 ? dnasync_cache_meta_set(ctx->cache, key, at) : rc;
}

int sync_receipt_arrived_message(sync_context_t *ctx, const char *message_id)
{
    char key[sizeof EARLY + DNASYNC_ID_HEX_LEN], *at = NULL;
    if (meta_key(key, sizeof key, EARLY, message_id) != 0)
        return 0;
    int rc = dnasync_cache_meta_get(ctx->cache, key, &at);
    if (rc == DNASYNC_ENOTFOUND)
        return 0;
    if (rc == 0 && at)
        rc = dnasync_cache_mark_read(ctx->cache, message_id, strtoll(at, NULL, 10));
    free(at);
    if (rc == 0)
        rc = dnasync_cache_meta_delete(ctx->cache, key);
    return rc;
}
