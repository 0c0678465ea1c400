/* The context's shared helpers: error and transaction plumbing, the event queue and the counts
 * kept in sync_meta. Every file of the engine calls these; they call nothing else of src/sync. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_context.h"

#include "common/names.h"
#include "net/net.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REJECTED_KEY "rejected_values"
#define DAMAGED_KEY "damaged_rows"

void sync_saved_counts_load(sync_context_t *ctx)
{
    char *saved = NULL;
    if (dnasync_cache_meta_get(ctx->cache, REJECTED_KEY, &saved) == 0 && saved)
        ctx->rejected_saved = strtoull(saved, NULL, 10);
    free(saved);
    saved = NULL;
    if (dnasync_cache_meta_get(ctx->cache, DAMAGED_KEY, &saved) == 0 && saved)
        ctx->damaged_rows = (size_t)strtoull(saved, NULL, 10);
    free(saved);
}

void sync_damaged_rows_set_locked(sync_context_t *ctx, size_t n)
{
    if (n == ctx->damaged_rows)
        return;
    char v[24];
    snprintf(v, sizeof v, "%zu", n);
    if (dnasync_cache_meta_set(ctx->cache, DAMAGED_KEY, v) == 0)
        ctx->damaged_rows = n;
    /* else: the walk of the next pass tries again */
}

void sync_rejected_save_locked(sync_context_t *ctx)
{
    if (ctx->rejected == 0)
        return;
    char v[24];
    snprintf(v, sizeof v, "%llu", (unsigned long long)(ctx->rejected_saved + ctx->rejected));
    if (dnasync_cache_meta_set(ctx->cache, REJECTED_KEY, v) == 0) {
        ctx->rejected_saved += ctx->rejected;
        ctx->rejected = 0;
    } /* else: kept in memory, saved with the next pass */
}

int sync_cache_fail(sync_context_t *ctx)
{
    const char *why = dnasync_cache_errmsg(ctx->cache);
    /* the cache's messages mostly name themselves already */
    return dnasync_err_set(&ctx->err, DNASYNC_EIO, "%s%s",
                           strncmp(why, "cache: ", 7) ? "cache: " : "", why);
}

int sync_tx_finish(sync_context_t *ctx, int rc)
{
    if (rc == 0 && dnasync_cache_commit(ctx->cache) != 0)
        rc = DNASYNC_EIO;
    if (rc != 0) {
        dnasync_cache_rollback(ctx->cache);
        if (rc == DNASYNC_EIO)
            sync_cache_fail(ctx);
    }
    return rc;
}

int sync_need_network(sync_context_t *ctx)
{
    if (!ctx->net)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT, "offline: no network attached");
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    /* A node that knows no other node is not the network: its own store would "confirm" every
     * put and answer every read, so nothing could tell a lone device from a synced one (issue
     * 10, D6). Nothing is tried; what is pending stays pending. */
    dnasync_net_stats_t st;
    if (ctx->net->ops->stats && ctx->net->ops->stats(ctx->net, &st) == 0 && st.peers == 0)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                               "no other DHT node is known (no bootstrap node saved, or none "
                               "answers; add one with --bootstrap HOST:PORT): nothing was sent "
                               "or verified, pending work stays pending");
    return DNASYNC_OK;
}

void sync_plog(sync_context_t *ctx, const char *fmt, ...)
{
    if (!ctx->pass_log)
        return;
    fprintf(ctx->pass_log, "pass %llu ", (unsigned long long)ctx->passes);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(ctx->pass_log, fmt, ap);
    va_end(ap);
    fputc('\n', ctx->pass_log);
    fflush(ctx->pass_log);
}

int64_t sync_today(const sync_context_t *ctx)
{
    return (int64_t)(dnasync_env_now(ctx->env) / DNASYNC_DAY_S);
}

void sync_event_push(sync_context_t *ctx, sync_event_kind_t kind, const char *message_id,
                     size_t done, size_t total)
{
    if (!ctx->event_cb)
        return;
    if (ctx->n_events == ctx->cap_events) {
        size_t cap = ctx->cap_events ? 2 * ctx->cap_events : 16;
        sync_event_item_t *p = realloc(ctx->events, cap * sizeof *p);
        if (!p)
            return; /* an event is a notification; the cache already holds the change */
        ctx->events = p;
        ctx->cap_events = cap;
    }
    sync_event_item_t *e = &ctx->events[ctx->n_events++];
    e->kind = kind;
    snprintf(e->message_id, sizeof e->message_id, "%s", message_id ? message_id : "");
    e->done = done;
    e->total = total;
}

void sync_events_deliver(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    sync_event_item_t *events = ctx->events;
    size_t n = ctx->n_events;
    sync_event_cb cb = ctx->event_cb;
    void *user = ctx->event_user;
    ctx->events = NULL;
    ctx->n_events = ctx->cap_events = 0;
    pthread_mutex_unlock(&ctx->lock);
    for (size_t i = 0; cb && i < n; i++) {
        sync_event_t ev = {events[i].kind, events[i].message_id, events[i].done, events[i].total};
        cb(user, &ev);
    }
    free(events);
}

void sync_events_flush_locked(sync_context_t *ctx)
{
    if (ctx->n_events == 0)
        return;
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    pthread_mutex_lock(&ctx->lock);
}

int sync_check_names(sync_context_t *ctx, const char *a, const char *b)
{
    char why[256];
    if (dnasync_name_check(a, why, sizeof why) != 0 || dnasync_name_check(b, why, sizeof why) != 0)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "invalid name: %s", why);
    return DNASYNC_OK;
}
