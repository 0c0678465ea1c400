/* Read receipts: local by default; shared with this identity's own devices when asked. A shared
 * receipt waits in sync_meta (sync_receipt_store.c) until the DHT confirmed it. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_receipts.h"

#include "sync/sync_bundle.h"
#include "sync/sync_outbox.h"
#include "sync/sync_receipt_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sync_mark_read(sync_context_t *ctx, const char *message_id)
{
    pthread_mutex_lock(&ctx->lock);
    int64_t now = (int64_t)dnasync_env_now(ctx->env);
    int rc = dnasync_cache_mark_read(ctx->cache, message_id, now);
    if (rc != 0) {
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    } else if (ctx->share_read_receipts) {
        rc = sync_receipt_queue_locked(ctx, message_id, now);
        if (rc == 0 && ctx->net)
            sync_upload_receipts_locked(ctx, NULL); /* else with the next pass */
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_upload_receipts_locked(sync_context_t *ctx, size_t *uploaded)
{
    sync_receipt_list_t p = {NULL, NULL, 0, SYNC_BATCH};
    p.ids = calloc(SYNC_BATCH, sizeof *p.ids);
    p.at = calloc(SYNC_BATCH, sizeof *p.at);
    size_t done = 0, ni = 0, recorded = 0;
    int rc = p.ids && p.at ? sync_need_network(ctx) : DNASYNC_ENOMEM;
    if (rc == 0) /* what a crash left first; a failure stays recorded for the next pass */
        sync_bundles_resume_locked(ctx, SV_RECEIPT, &done);
    if (rc == 0)
        rc = sync_receipts_queued_locked(ctx, &p);
    if (rc == 0 && dnasync_cache_bundle_count(ctx->cache, &recorded) != 0)
        rc = sync_cache_fail(ctx);
    sb_item_t *items = rc == 0 && p.n ? calloc(p.n, sizeof *items) : NULL;
    if (rc == 0 && p.n && !items)
        rc = DNASYNC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        /* one a recorded bundle carries is left to its re-put */
        int held = recorded ? sync_bundles_hold(ctx, SV_RECEIPT, p.ids[i]) : 0;
        if (held < 0)
            rc = held;
        else if (!held)
            items[ni++] = (sb_item_t){ctx->identity, p.ids[i], p.at[i], NULL, 0};
    }
    /* the receipts leave the pending list in the transaction that marks their summary */
    size_t sent = 0;
    if (rc == 0)
        rc = sync_bundles_put_locked(ctx, SV_RECEIPT, items, ni, sync_today(ctx), &sent);
    done += sent;
    free(items);
    if (ctx->net && ctx->id && sync_outbox_flush_locked(ctx) != 0 && rc == 0)
        rc = DNASYNC_EDHT;
    free(p.ids);
    free(p.at);
    if (rc == DNASYNC_EDHT && sent < ni)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "%zu read receipts not confirmed; pending",
                             ni - sent);
    if (uploaded)
        *uploaded = done;
    return rc;
}
