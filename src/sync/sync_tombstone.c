/* Deletion sync: soft delete + tombstone locally, the signed tombstone into today's bucket of
 * this identity's mailbox, applied by every other device on its next download (or at once in
 * real-time mode). Last-write-wins on deleted_at where two tombstones meet (in the cache). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_tombstone.h"

#include "sync/sync_bundle.h"
#include "sync/sync_download.h"
#include "sync/sync_outbox.h"

#include <stdlib.h>
#include <string.h>

int sync_upload_tombstones_locked(sync_context_t *ctx, size_t *uploaded)
{
    size_t done = 0;
    int rc = sync_need_network(ctx);
    int64_t day = sync_today(ctx);
    if (rc == 0) /* what a crash left first; a failure stays recorded for the next pass */
        sync_bundles_resume_locked(ctx, SV_TOMBSTONE, &done);
    while (rc == 0) {
        dnasync_tombstone_t *tombs = NULL;
        size_t n = 0, ni = 0, recorded = 0;
        if (dnasync_cache_tombstones_pending(ctx->cache, SYNC_BATCH, &tombs, &n) != 0 ||
            dnasync_cache_bundle_count(ctx->cache, &recorded) != 0) {
            free(tombs);
            rc = sync_cache_fail(ctx);
            break;
        }
        sb_item_t *items = n ? calloc(n, sizeof *items) : NULL;
        if (n && !items)
            rc = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        for (size_t i = 0; rc == 0 && i < n; i++) {
            /* one a recorded bundle carries is left to its re-put */
            int held = recorded ? sync_bundles_hold(ctx, SV_TOMBSTONE, tombs[i].message_id) : 0;
            if (held < 0)
                rc = held;
            else if (!held)
                items[ni++] =
                    (sb_item_t){ctx->identity, tombs[i].message_id, tombs[i].deleted_at, NULL, 0};
        }
        size_t nid = 0;
        if (rc == 0)
            rc = sync_bundles_put_locked(ctx, SV_TOMBSTONE, items, ni, day, &nid);
        free(items);
        free(tombs);
        done += nid;
        if (rc == DNASYNC_EDHT)
            rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                                 "%zu deletions not confirmed by the DHT; they stay pending",
                                 ni - nid);
        if (ni == 0 || nid == 0)
            break; /* nothing left that this pass can send */
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
