/* Upload: pending messages → both mailboxes on the DHT → confirmed → synced_to_dht = 1 and the
 * touched (mailbox, day) pairs into the outbox, in one transaction → this device's summaries
 * (sync_outbox.c). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_killpoint.h"
#include "sync/sync_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sync_publish_summary_locked(sync_context_t *ctx, const char *mailbox, int64_t day)
{
    sv_summary_t s;
    memset(&s, 0, sizeof s);
    int rc = dnasync_cache_index_summary(ctx->cache, mailbox, day, 1, s.count, s.xors);
    if (rc != 0)
        return sync_cache_fail(ctx);
    /* The version only has to grow: the env clock in ms, never below the last one used. It is
     * kept before the put, so a crash after the put cannot make the next one reuse it. */
    char vkey[DNASYNC_NAME_MAX + 64], *last = NULL, num[32];
    snprintf(vkey, sizeof vkey, "summary_version:%lld:%s", (long long)day, mailbox);
    s.version = dnasync_env_now_ms(ctx->env);
    if (dnasync_cache_meta_get(ctx->cache, vkey, &last) == 0 && last) {
        uint64_t prev = strtoull(last, NULL, 10);
        if (s.version <= prev)
            s.version = prev + 1;
    }
    free(last);
    snprintf(num, sizeof num, "%llu", (unsigned long long)s.version);
    if (dnasync_cache_meta_set(ctx->cache, vkey, num) != 0)
        return sync_cache_fail(ctx);
    uint8_t *val = NULL;
    size_t len = 0;
    net_put_t put = {.kind = SV_SUMMARY, .created = (int64_t)dnasync_env_now(ctx->env)};
    rc = sv_encode_summary(ctx, mailbox, day, &s, &val, &len, &put.vid);
    if (rc != 0)
        return rc;
    put.val = val;
    put.len = len;
    net_key_sum(mailbox, day, put.key);
    rc = net_put_many(ctx, &put, 1);
    free(val);
    if (rc == 0 && !put.ok)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "summary for %s day %lld not confirmed",
                             mailbox, (long long)day);
    return rc;
}

/* Upload one batch: encode each message once, put it into both mailboxes, and mark the rows
 * whose every put was confirmed. Rows that fail stay pending. */
static int upload_batch(sync_context_t *ctx, const message_info_t *msgs, size_t n, size_t *done,
                        int64_t day)
{
    net_put_t *puts = calloc(2 * n, sizeof *puts);
    uint8_t **vals = calloc(n, sizeof *vals);
    const char **ids = calloc(n, sizeof *ids);
    size_t np = 0, nid = 0;
    int rc = puts && vals && ids ? 0 : DNASYNC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t len = 0;
        rc = sv_encode_message(ctx, &msgs[i], &vals[i], &len);
        if (rc != 0)
            break;
        const char *boxes[2] = {msgs[i].recipient, msgs[i].sender};
        size_t nb = strcmp(boxes[0], boxes[1]) == 0 ? 1 : 2;
        for (size_t b = 0; b < nb; b++) {
            net_put_t *p = &puts[np++];
            net_key_box(boxes[b], day, sv_shard(msgs[i].message_id), p->key);
            p->val = vals[i];
            p->len = len;
            p->kind = SV_MESSAGE;
            p->vid = sv_message_vid(msgs[i].message_id);
            p->created = msgs[i].created_at;
        }
    }
    if (rc == 0)
        rc = net_put_many(ctx, puts, np);
    if (rc == 0)
        sync_kill_point("put");
    if (rc == 0)
        rc = dnasync_cache_begin(ctx->cache) == 0 ? 0 : sync_cache_fail(ctx);
    bool in_tx = rc == 0;
    touched_t touched = {NULL, 0, 0};
    for (size_t i = 0, p = 0; rc == 0 && i < n; i++) {
        const char *boxes[2] = {msgs[i].recipient, msgs[i].sender};
        size_t nb = strcmp(boxes[0], boxes[1]) == 0 ? 1 : 2;
        bool ok = true;
        for (size_t b = 0; b < nb; b++)
            ok = ok && puts[p + b].ok;
        for (size_t b = 0; ok && b < nb && rc == 0; b++) {
            if (dnasync_cache_index_add(ctx->cache, boxes[b], day, sv_shard(msgs[i].message_id),
                                        puts[p + b].vid, msgs[i].message_id, SV_INDEX_MESSAGE,
                                        1) != 0)
                rc = sync_cache_fail(ctx);
            else
                rc = sync_touch(ctx, &touched, boxes[b], &puts[p + b]);
        }
        if (ok)
            ids[nid++] = msgs[i].message_id;
        p += nb;
    }
    if (rc == 0 && nid && dnasync_cache_mark_synced(ctx->cache, ids, nid) != 0)
        rc = sync_cache_fail(ctx);
    /* in the same transaction: the summaries these values need (the outbox) */
    if (rc == 0)
        rc = sync_outbox_mark_locked(ctx, &touched, day);
    free(touched.box);
    if (in_tx)
        rc = sync_tx_finish(ctx, rc);
    if (rc == 0)
        sync_kill_point("flag");
    for (size_t i = 0; vals && i < n; i++)
        free(vals[i]);
    free(vals);
    free(puts);
    free(ids);
    if (rc == 0)
        *done += nid;
    if (rc == 0 && nid < n)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                               "%zu of %zu messages not confirmed by the DHT; they stay pending",
                               n - nid, n);
    return rc;
}

int sync_upload_pending_locked(sync_context_t *ctx, size_t *uploaded)
{
    size_t done = 0;
    int rc = sync_need_network(ctx);
    int64_t day = sync_today(ctx), cursor = 0;
    /* Summaries a crash left unsent go out before anything else (a failure here is retried,
     * and reported, by the flush after the walk). */
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
         * them go to the DHT in one reliable batch, so each of the 128 shard keys is confirmed
         * by one listing per group rather than per 100 rows (BENCHMARKS.md, 1b). */
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
        if (rc == 0 && n > 0)
            rc = upload_batch(ctx, group, n, &done, day); /* EDHT: stop this pass */
        dnasync_cache_free_messages(group, n);
        if (n == 0)
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
    if (rc == 0)
        sync_outbox_flush_locked(ctx); /* what a crash left first; failures stay for later */
    if (rc == 0)
        rc = upload_batch(ctx, msg, 1, &done, day);
    if (rc == 0)
        rc = sync_outbox_flush_locked(ctx);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
