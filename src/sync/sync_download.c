/* Download: per day of the window, one summary read tells whether this device is complete;
 * only differing shards are listed and only missing ids fetched. Every value is verified
 * before it touches the cache. A day is marked verified only when the comparison matches. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_values.h"

#include <stdlib.h>
#include <string.h>

typedef struct remote_sum {
    uint32_t count[SYNC_SHARDS];
    uint64_t xors[SYNC_SHARDS];
    size_t writers;
} remote_sum_t;

typedef struct day_job {
    sync_context_t *ctx;
    const char *mailbox;
    int64_t day;
    unsigned shard;
    remote_sum_t remote;
    size_t new_msgs, deleted, fetched, total;
    bool transient; /* a value could not be checked now (e.g. identity lookup failed) */
    int rc;
} day_job_t;

static int on_summary(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    (void)vid;
    day_job_t *job = user;
    sv_value_t v;
    memset(&v, 0, sizeof v);
    if (sv_decode_verify(job->ctx, job->mailbox, job->day, val, len, &v) != 0 ||
        v.kind != SV_SUMMARY) {
        job->ctx->rejected++;
        sv_value_clear(&v);
        return 0;
    }
    for (unsigned s = 0; s < SYNC_SHARDS; s++) {
        job->remote.count[s] += v.summary.count[s];
        job->remote.xors[s] ^= v.summary.xors[s];
    }
    job->remote.writers++;
    sv_value_clear(&v);
    return 0;
}

static int apply_value(day_job_t *job, uint64_t vid, const sv_value_t *v)
{
    sync_context_t *ctx = job->ctx;
    int rc = 0, kind = SV_INDEX_MESSAGE;
    if (v->kind == SV_MESSAGE) {
        int inserted = 0;
        rc = dnasync_cache_insert(ctx->cache, &v->msg, &inserted);
        if (rc == 0 && inserted) {
            job->new_msgs++;
            rc = sync_receipt_arrived_message(ctx, v->message_id);
            sync_event_push(ctx, SYNC_EVENT_MESSAGE, v->message_id, 0, 0);
        }
    } else if (v->kind == SV_TOMBSTONE) {
        int changed = 0;
        kind = SV_INDEX_TOMBSTONE;
        rc = dnasync_cache_delete(ctx->cache, v->message_id, v->deleted_at, 1, &changed);
        if (rc == 0 && changed) {
            job->deleted++;
            sync_event_push(ctx, SYNC_EVENT_DELETED, v->message_id, 0, 0);
        }
    } else {
        kind = SV_INDEX_RECEIPT;
        rc = sync_receipt_apply(ctx, v->message_id, v->deleted_at);
        if (rc == 0)
            sync_event_push(ctx, SYNC_EVENT_RECEIPT, v->message_id, 0, 0);
    }
    if (rc == 0)
        rc = dnasync_cache_index_add(ctx->cache, job->mailbox, job->day, job->shard, vid,
                                     v->message_id, kind, 0);
    return rc == 0 ? 0 : sync_cache_fail(ctx);
}

static int on_value(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    day_job_t *job = user;
    sync_context_t *ctx = job->ctx;
    if (dnasync_cache_index_has(ctx->cache, job->mailbox, job->day, job->shard, vid) == 1)
        return 0;
    sv_value_t v;
    memset(&v, 0, sizeof v);
    int rc = sv_decode_verify(ctx, job->mailbox, job->day, val, len, &v);
    if (rc == 0 && (v.kind == SV_MESSAGE || v.kind == SV_TOMBSTONE || v.kind == SV_RECEIPT) &&
        sv_shard(v.message_id) == job->shard &&
        (v.kind != SV_MESSAGE || sv_message_vid(v.message_id) == vid)) {
        rc = apply_value(job, vid, &v);
        if (rc != 0)
            job->rc = rc;
    } else if (rc == DNASYNC_EDHT || rc == DNASYNC_ETIMEOUT) {
        job->transient = true; /* cannot check it now; try again next pass */
    } else {
        /* Forged, mangled or misplaced: count it, remember it so it is not fetched again. */
        ctx->rejected++;
        if (dnasync_cache_index_add(ctx->cache, job->mailbox, job->day, job->shard, vid, "",
                                    SV_INDEX_REJECTED, 0) != 0)
            job->rc = sync_cache_fail(ctx);
    }
    sv_value_clear(&v);
    job->fetched++;
    /* below total only: the day's last report (download_day) is the one that reaches it */
    if (job->total >= 100 && job->fetched % 100 == 0 && job->fetched < job->total)
        sync_event_push(ctx, SYNC_EVENT_PROGRESS, NULL, job->fetched, job->total);
    return job->rc;
}

/* Fetch what this device lacks from one shard, inside one transaction.
 * whole = 0: list the ids (small replies), then fetch only the missing ones a few at a time.
 * A listing is one node's view, not the union (OpenDHT 2.4's query de-duplication keeps only
 * the first answer, often this device's own partial store; docs/dht.md), so when the shard
 * still differs from its summaries afterwards, whole = 1 reads the key with a get, whose
 * answers are merged across every storing node. The get costs more (every node sends every
 * value), which is why it is the fallback and not the first read. */
static int fetch_shard(day_job_t *job, int whole)
{
    sync_context_t *ctx = job->ctx;
    uint8_t key[20];
    net_key_box(job->mailbox, job->day, job->shard, key);
    if (dnasync_cache_begin(ctx->cache) != 0)
        return sync_cache_fail(ctx);
    if (whole) {
        int grc = net_get(ctx, key, on_value, job);
        if (grc == 0 && job->rc != 0)
            grc = job->rc;
        job->rc = 0;
        return sync_tx_finish(ctx, grc);
    }
    uint64_t *ids = NULL;
    size_t n = 0, missing = 0;
    int rc = net_list_ids(ctx, key, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int has = dnasync_cache_index_has(ctx->cache, job->mailbox, job->day, job->shard, ids[i]);
        if (has < 0)
            rc = sync_cache_fail(ctx);
        else if (!has)
            ids[missing++] = ids[i];
    }
    ctx->pending_downloads += missing;
    size_t asked = missing;
    /* A lossy read leaves ids unfetched; ask again for those, a bounded number of rounds. */
    for (int round = 0; rc == 0 && missing > 0 && round < SYNC_FETCH_ROUNDS; round++) {
        for (size_t i = 0; rc == 0 && i < missing; i += SYNC_FETCH_CHUNK) {
            size_t k = missing - i < SYNC_FETCH_CHUNK ? missing - i : SYNC_FETCH_CHUNK;
            rc = net_get_ids(ctx, key, ids + i, k, on_value, job);
        }
        size_t still = 0;
        for (size_t i = 0; rc == 0 && i < missing; i++) {
            int has =
                dnasync_cache_index_has(ctx->cache, job->mailbox, job->day, job->shard, ids[i]);
            if (has < 0)
                rc = sync_cache_fail(ctx);
            else if (!has)
                ids[still++] = ids[i];
        }
        missing = still;
    }
    ctx->pending_downloads -= asked;
    free(ids);
    if (rc == 0 && job->rc != 0)
        rc = job->rc;
    rc = sync_tx_finish(ctx, rc);
    job->rc = 0;
    return rc;
}

static bool sums_equal(const remote_sum_t *r, const uint32_t *count, const uint64_t *xors,
                       unsigned s)
{
    return r->count[s] == count[s] && r->xors[s] == xors[s];
}

/* sums: the day's summary key, already read (net_get_many). */
static int download_day(sync_context_t *ctx, int64_t day, net_multi_t *sums, size_t *new_msgs,
                        size_t *deleted)
{
    dnasync_cache_day_t state;
    if (dnasync_cache_day_get(ctx->cache, ctx->identity, day, &state) != 0)
        return sync_cache_fail(ctx);
    day_job_t job;
    memset(&job, 0, sizeof job);
    job.ctx = ctx;
    job.mailbox = ctx->identity;
    job.day = day;
    if (sums->rc != 0)
        return dnasync_err_set(&ctx->err, sums->rc, "DHT get of day %lld's summaries failed",
                               (long long)day);
    net_multi_each(sums, on_summary, &job);

    uint32_t count[SYNC_SHARDS];
    uint64_t xors[SYNC_SHARDS];
    if (dnasync_cache_index_summary(ctx->cache, ctx->identity, day, 0, count, xors) != 0)
        return sync_cache_fail(ctx);
    for (unsigned s = 0; s < SYNC_SHARDS; s++)
        if (!sums_equal(&job.remote, count, xors, s) && job.remote.count[s] > count[s])
            job.total += job.remote.count[s] - count[s];
    int first_err = 0;
    for (unsigned s = 0; s < SYNC_SHARDS; s++) {
        if (sums_equal(&job.remote, count, xors, s))
            continue;
        job.shard = s;
        /* A listing can miss ids (see fetch_shard): read the whole key (bounded) while the
         * shard still differs from what its writers say they put there. */
        for (int round = 0; round < SYNC_SHARD_ROUNDS; round++) {
            int frc = fetch_shard(&job, round > 0);
            if (frc != 0) {
                if (!first_err)
                    first_err = frc; /* keep going: other shards can still be fetched */
                break;
            }
            if (dnasync_cache_index_shard(ctx->cache, ctx->identity, day, s, &count[s], &xors[s]) !=
                0)
                return sync_cache_fail(ctx);
            if (sums_equal(&job.remote, count, xors, s))
                break;
        }
        /* The shard is committed: hand its arrivals and the progress to the caller now, not
         * at the end of a long catch-up. */
        sync_events_flush_locked(ctx);
    }
    /* The last progress report of a reported day: "N of N" when everything came (a whole-key
     * re-read counts values twice, hence the clamp); less when something is still missing. */
    if (job.total >= 100) {
        sync_event_push(ctx, SYNC_EVENT_PROGRESS, NULL,
                        job.fetched < job.total ? job.fetched : job.total, job.total);
        sync_events_flush_locked(ctx);
    }
    if (dnasync_cache_index_summary(ctx->cache, ctx->identity, day, 0, count, xors) != 0)
        return sync_cache_fail(ctx);
    bool verified = !first_err && !job.transient;
    for (unsigned s = 0; verified && s < SYNC_SHARDS; s++)
        verified = sums_equal(&job.remote, count, xors, s);
    int64_t now = (int64_t)dnasync_env_now(ctx->env);
    state.verified = verified;
    state.closed = verified && now >= (day + 1) * 86400 + SYNC_DAY_GRACE_S;
    state.checked_at = now;
    if (dnasync_cache_day_set(ctx->cache, ctx->identity, day, &state) != 0)
        return sync_cache_fail(ctx);
    *new_msgs += job.new_msgs;
    *deleted += job.deleted;
    return first_err;
}

static int download_days(sync_context_t *ctx, int64_t from, int64_t to, size_t *new_msgs,
                         size_t *deleted)
{
    int rc = sync_need_network(ctx), first_err = 0;
    if (rc != 0)
        return rc;
    size_t n = 0, d = 0, count = 0;
    net_multi_t sums[SYNC_WINDOW_DAYS + 1];
    int64_t days[SYNC_WINDOW_DAYS + 1];
    for (int64_t day = from; day <= to && count < SYNC_WINDOW_DAYS + 1; day++) {
        dnasync_cache_day_t state;
        if (dnasync_cache_day_get(ctx->cache, ctx->identity, day, &state) != 0)
            return sync_cache_fail(ctx);
        if (state.closed)
            continue; /* verified after it ended: nothing can change there any more */
        memset(&sums[count], 0, sizeof sums[count]);
        net_key_sum(ctx->identity, day, sums[count].key);
        days[count++] = day;
    }
    /* One summary read per open day, all at once: the latency of one get, not of 31. */
    net_get_many(ctx, sums, count);
    for (size_t i = 0; i < count; i++) {
        rc = download_day(ctx, days[i], &sums[i], &n, &d);
        if (rc != 0 && !first_err)
            first_err = rc;
    }
    net_multi_free(sums, count);
    if (!first_err && dnasync_cache_state_set_download_time(
                          ctx->cache, ctx->device_id, (int64_t)dnasync_env_now(ctx->env)) != 0)
        first_err = sync_cache_fail(ctx);
    if (new_msgs)
        *new_msgs = n;
    if (deleted)
        *deleted = d;
    return first_err;
}

int sync_download_window_locked(sync_context_t *ctx, size_t *new_msgs, size_t *deleted)
{
    int64_t today = sync_today(ctx);
    return download_days(ctx, today - SYNC_WINDOW_DAYS, today, new_msgs, deleted);
}

int sync_download_recent_locked(sync_context_t *ctx, size_t *new_msgs)
{
    int64_t today = sync_today(ctx);
    return download_days(ctx, today - 1, today, new_msgs, NULL);
}

/* New messages of one conversation (NULL = all): the mailbox holds every conversation, so the
 * whole window is read and the new messages of that conversation counted. */
int sync_download_messages(sync_context_t *ctx, const char *conversation_id)
{
    pthread_mutex_lock(&ctx->lock);
    size_t before = 0, after = 0, n = 0;
    int rc = dnasync_cache_count_conversation(ctx->cache, conversation_id, &before);
    if (rc == 0)
        rc = sync_download_window_locked(ctx, &n, NULL);
    if (rc == 0 && dnasync_cache_count_conversation(ctx->cache, conversation_id, &after) != 0)
        rc = sync_cache_fail(ctx);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc != 0 ? rc : (int)(after - before);
}

int sync_download_all(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    size_t n = 0;
    int rc = sync_download_window_locked(ctx, &n, NULL);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc != 0 ? rc : (int)n;
}
