/* Deletion sync: soft delete + tombstone locally, the signed tombstone into today's bucket of
 * this identity's mailbox, applied by every other device on its next download (or at once in
 * real-time mode). Last-write-wins on deleted_at where two tombstones meet (in the cache). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_killpoint.h"
#include "sync/sync_values.h"

#include <stdlib.h>
#include <string.h>

int sync_upload_tombstones_locked(sync_context_t *ctx, size_t *uploaded)
{
    size_t done = 0;
    int rc = sync_need_network(ctx);
    int64_t day = sync_today(ctx);
    while (rc == 0) {
        dnasync_tombstone_t *tombs = NULL;
        size_t n = 0;
        if (dnasync_cache_tombstones_pending(ctx->cache, SYNC_BATCH, &tombs, &n) != 0) {
            rc = sync_cache_fail(ctx);
            break;
        }
        if (n == 0)
            break;
        net_put_t *puts = calloc(n, sizeof *puts);
        uint8_t **vals = calloc(n, sizeof *vals);
        const char **ids = calloc(n, sizeof *ids);
        size_t nid = 0;
        rc = puts && vals && ids ? 0 : DNASYNC_ENOMEM;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = sv_encode_mark(ctx, SV_TOMBSTONE, tombs[i].message_id, tombs[i].deleted_at,
                                &vals[i], &puts[i].len, &puts[i].vid);
            net_key_box(ctx->identity, day, sv_shard(tombs[i].message_id), puts[i].key);
            puts[i].val = vals[i];
            puts[i].kind = SV_TOMBSTONE;
            puts[i].created = tombs[i].deleted_at;
        }
        if (rc == 0)
            rc = net_put_many(ctx, puts, n);
        if (rc == 0)
            sync_kill_point("put");
        if (rc == 0 && dnasync_cache_begin(ctx->cache) != 0)
            rc = sync_cache_fail(ctx);
        if (rc == 0) {
            touched_t touched = {NULL, 0, 0};
            for (size_t i = 0; rc == 0 && i < n; i++) {
                if (!puts[i].ok)
                    continue;
                if (dnasync_cache_index_add(ctx->cache, ctx->identity, day,
                                            sv_shard(tombs[i].message_id), puts[i].vid,
                                            tombs[i].message_id, SV_INDEX_TOMBSTONE, 1) != 0)
                    rc = sync_cache_fail(ctx);
                else
                    rc = sync_touch(ctx, &touched, ctx->identity, &puts[i]);
                ids[nid++] = tombs[i].message_id;
            }
            if (rc == 0 && nid && dnasync_cache_tombstone_mark_synced(ctx->cache, ids, nid) != 0)
                rc = sync_cache_fail(ctx);
            if (rc == 0) /* the summary they need, in the same transaction */
                rc = sync_outbox_mark_locked(ctx, &touched, day);
            free(touched.box);
            rc = sync_tx_finish(ctx, rc);
            if (rc == 0)
                sync_kill_point("flag");
        }
        for (size_t i = 0; vals && i < n; i++)
            free(vals[i]);
        free(vals);
        free(puts);
        free(ids);
        free(tombs);
        if (rc == 0)
            done += nid;
        if (rc == 0 && nid < n)
            rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                                 "%zu deletions not confirmed by the DHT; they stay pending",
                                 n - nid);
    }
    if (ctx->net && ctx->id && sync_outbox_flush_locked(ctx) != 0 && rc == 0)
        rc = DNASYNC_EDHT;
    if (uploaded)
        *uploaded = done;
    return rc;
}

int sync_delete_message(sync_context_t *ctx, const char *message_id)
{
    if (!message_id || strlen(message_id) != DNASYNC_ID_HEX_LEN ||
        strspn(message_id, "0123456789abcdef") != DNASYNC_ID_HEX_LEN)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL,
                               "message id must be 64 lowercase hex characters");
    pthread_mutex_lock(&ctx->lock);
    /* only the parties: a message whose stored ciphertext is damaged can still be deleted */
    char sender[DNASYNC_NAME_MAX + 1], recipient[DNASYNC_NAME_MAX + 1];
    int rc = dnasync_cache_parties(ctx->cache, message_id, sender, recipient);
    if (rc == DNASYNC_ENOTFOUND)
        rc = dnasync_err_set(&ctx->err, rc, "no message %s in this device's cache", message_id);
    else if (rc != 0)
        rc = sync_cache_fail(ctx);
    else if (strcmp(sender, ctx->identity) != 0 && strcmp(recipient, ctx->identity) != 0)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EAUTH, "message %s is not in %s's mailbox",
                             message_id, ctx->identity);
    int changed = 0;
    if (rc == 0 && dnasync_cache_delete(ctx->cache, message_id, (int64_t)dnasync_env_now(ctx->env),
                                        0, &changed) != 0)
        rc = sync_cache_fail(ctx);
    /* The deletion is local and durable now; the tombstone goes out now if it can, else with
     * the next pass (it stays pending in the tombstones table). */
    if (rc == 0 && ctx->net)
        sync_upload_tombstones_locked(ctx, NULL);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_download_tombstones(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    size_t deleted = 0;
    int rc = sync_download_window_locked(ctx, NULL, &deleted);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc != 0 ? rc : (int)deleted;
}
