/* Upload: pending messages → both mailboxes on the DHT → confirmed → synced_to_dht = 1 and the
 * touched (mailbox, day) pairs into the outbox, in one transaction → this device's summaries
 * (sync_outbox.c). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_upload.h"

#include "sync/sync_bundle.h"
#include "sync/sync_net.h"
#include "sync/sync_outbox.h"
#include "sync/sync_tombstone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The summary and doorbell keys of the batch's (mailbox, day) pairs, which sync_outbox.c puts
 * after the bundles are confirmed: started with the bundles' searches, their waits for departed
 * nodes (~1.1 s each in a new search, dht_warm.h) overlap the bundles' instead of following them
 * (BENCHMARKS.md, row 1a). A single send does not (it would cost four listings a message). */
static void warm_outbox_keys(sync_context_t *ctx, const message_info_t *msgs, size_t n, int64_t day)
{
    enum { MAX_BOXES = 16 };
    const char *boxes[MAX_BOXES] = {NULL};
    size_t nb = 0;
    for (size_t i = 0; i < n && nb < MAX_BOXES; i++) {
        const char *pair[2] = {msgs[i].recipient, msgs[i].sender};
        for (size_t p = 0; p < 2 && nb < MAX_BOXES; p++) {
            size_t k = 0;
            while (k < nb && strcmp(boxes[k], pair[p]) != 0)
                k++;
            if (k == nb)
                boxes[nb++] = pair[p];
        }
    }
    uint8_t keys[2 * MAX_BOXES][DNASYNC_DHT_KEY_BYTES];
    size_t nk = 0;
    for (size_t k = 0; k < nb; k++) {
        nk += net_key_sum(boxes[k], day, keys[nk]) == 0;
        nk += net_key_bell(boxes[k], day, keys[nk]) == 0;
    }
    net_warm(ctx, (const uint8_t(*)[DNASYNC_DHT_KEY_BYTES])keys, nk);
}

/* Upload one batch: every message into both mailboxes, bundled per (mailbox, shard)
 * (sync_bundle.c); rows whose bundles were all confirmed are marked synced, the others stay
 * pending (and their bundles recorded, re-put as they are by the next pass). */
static int upload_batch(sync_context_t *ctx, const message_info_t *msgs, size_t n, size_t *done,
                        int64_t day)
{
    sb_item_t *items = calloc(2 * n, sizeof *items);
    if (!items)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    size_t ni = 0, nid = 0;
    for (size_t i = 0; i < n; i++) {
        const char *boxes[2] = {msgs[i].recipient, msgs[i].sender};
        size_t nb = strcmp(boxes[0], boxes[1]) == 0 ? 1 : 2;
        for (size_t b = 0; b < nb; b++)
            items[ni++] =
                (sb_item_t){boxes[b], msgs[i].message_id, msgs[i].created_at, &msgs[i], 0};
    }
    if (n > 1)
        warm_outbox_keys(ctx, msgs, n, day);
    int rc = sync_bundles_put_locked(ctx, SV_MESSAGE, items, ni, day, &nid);
    free(items);
    *done += nid;
    if (rc == DNASYNC_EDHT && nid < n)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                               "%zu of %zu messages not confirmed by the DHT; they stay pending",
                               n - nid, n);
    return rc;
}

/* Rows a recorded bundle already carries are left to sync_bundles_resume_locked (never bundled
 * twice). Only looked up when a bundle is recorded, i.e. after a crash or a failed put. */
static int drop_recorded(sync_context_t *ctx, message_info_t *group, size_t *n)
{
    size_t recorded = 0, keep = 0;
    if (dnasync_cache_bundle_count(ctx->cache, &recorded) != 0)
        return sync_cache_fail(ctx);
    if (recorded == 0)
        return DNASYNC_OK;
    for (size_t i = 0; i < *n; i++) {
        int held = sync_bundles_hold(ctx, SV_MESSAGE, group[i].message_id);
        if (held < 0)
            return held;
        if (held)
            message_info_clear(&group[i]);
        else
            group[keep++] = group[i];
    }
    *n = keep;
    return DNASYNC_OK;
}

int sync_upload_pending_locked(sync_context_t *ctx, size_t *uploaded)
{
    size_t done = 0;
    int rc = sync_need_network(ctx);
    int64_t day = sync_today(ctx), cursor = 0;
    /* Bundles and summaries a crash left unsent go out before anything else (a failure here is
     * retried, and reported, by the flush after the walk). */
    if (rc == 0)
        sync_bundles_resume_locked(ctx, SV_MESSAGE, &done);
    if (rc == 0)
        sync_outbox_flush_locked(ctx);
    /* Rows whose cached ciphertext is damaged are skipped by the cache (the cursor moves past
     * them, the callback names them) and stay pending; counted here over one whole walk. */
    int64_t damaged_before = dnasync_cache_damaged_count(ctx->cache);
    bool walked = false;
    /* Walk every pending row by rowid, a batch at a time, so rows that fail (and stay
     * pending) never hide the ones after them. */
    while (rc == 0) {
        /* Rows come from the cache 100 at a time (the spec's batch); up to SYNC_PUT_GROUP of
         * them are bundled together, so each (mailbox, shard) gets as few, full bundles as the
         * value limit allows, confirmed by one listing per key (docs/sync.md "Bundles"). */
        message_info_t *group = NULL;
        size_t n = 0;
        while (rc == 0 && n < SYNC_PUT_GROUP) {
            message_info_t *batch = NULL;
            size_t count = 0;
            if (dnasync_cache_pending(ctx->cache, cursor, SYNC_BATCH, &batch, &cursor, &count) !=
                0) {
                rc = sync_cache_fail(ctx);
                break;
            }
            if (count == 0) {
                walked = true; /* no readable pending row after the cursor */
                break;
            }
            message_info_t *grown = realloc(group, (n + count) * sizeof *grown);
            if (!grown) {
                dnasync_cache_free_messages(batch, count);
                rc = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
                break;
            }
            group = grown;
            memcpy(group + n, batch, count * sizeof *batch); /* the rows move, not copied */
            free(batch);
            n += count;
        }
        size_t walked_n = n;
        if (rc == 0 && n > 0)
            rc = drop_recorded(ctx, group, &n);
        if (rc == 0 && n > 0)
            rc = upload_batch(ctx, group, n, &done, day); /* EDHT: stop this pass */
        dnasync_cache_free_messages(group, n);
        if (walked_n == 0)
            break;
    }
    if (walked)
        sync_damaged_rows_set_locked(
            ctx, (size_t)(dnasync_cache_damaged_count(ctx->cache) - damaged_before));
    if (ctx->net && ctx->id && sync_outbox_flush_locked(ctx) != 0 && rc == 0)
        rc = DNASYNC_EDHT;
    if (rc == 0 && done > 0 &&
        dnasync_cache_state_set_upload_time(ctx->cache, ctx->device_id,
                                            (int64_t)dnasync_env_now(ctx->env)) != 0)
        rc = sync_cache_fail(ctx);
    if (uploaded)
        *uploaded = done;
    return rc;
}

int sync_upload_pending(sync_context_t *ctx)
{
    size_t done = 0;
    pthread_mutex_lock(&ctx->lock);
    int rc = sync_upload_pending_locked(ctx, &done);
    if (rc == 0)
        rc = sync_upload_tombstones_locked(ctx, NULL);
    pthread_mutex_unlock(&ctx->lock);
    return rc != 0 ? rc : (int)done;
}

int sync_upload_message(sync_context_t *ctx, const message_info_t *msg)
{
    if (msg->synced_to_dht)
        return 1; /* already uploaded */
    pthread_mutex_lock(&ctx->lock);
    size_t done = 0;
    int64_t day = sync_today(ctx);
    int rc = sync_need_network(ctx);
    if (rc == 0) { /* what a crash left first; failures stay for later */
        sync_bundles_resume_locked(ctx, 0, NULL);
        sync_outbox_flush_locked(ctx);
    }
    int held = rc == 0 ? sync_bundles_hold(ctx, SV_MESSAGE, msg->message_id) : 0;
    if (held < 0)
        rc = held;
    if (rc == 0 && !held)
        rc = upload_batch(ctx, msg, 1, &done, day);
    if (rc == 0)
        rc = sync_outbox_flush_locked(ctx);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
