/* When to sync: the periodic timer (with jitter), real-time wake-ups from a DHT listen, the
 * listen's move to the new day's key, and the background thread that drives them. sync_tick is
 * the whole policy and reads time from the env, so a simulated hour runs without sleeping.
 *
 * Locking: the listen callback runs on OpenDHT's thread and must never wait for ctx->lock
 * (the lock holder may be waiting for that very thread), so wake-ups go through their own
 * small mutex (wake_mu) and flag. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_scheduler.h"

#include "common/cond.h"
#include "sync/sync_download.h"
#include "sync/sync_identity.h"
#include "sync/sync_net.h"
#include "sync/sync_outbox.h"
#include "sync/sync_receipts.h"
#include "sync/sync_tombstone.h"
#include "sync/sync_upload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sync_bg {
    pthread_t thread;
    bool stop; /* under ctx->wake_mu */
};

static uint64_t next_periodic(sync_context_t *ctx, uint64_t now_ms)
{
    uint32_t jitter = 0;
    if (ctx->jitter_s) {
        uint8_t r[4];
        if (dnasync_env_random(ctx->env, r, sizeof r) == 0)
            jitter = ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3]) %
                     (2 * ctx->jitter_s + 1);
    }
    /* interval ± jitter, so the devices of one identity do not all wake in step */
    return now_ms + ((uint64_t)ctx->interval_s + jitter - ctx->jitter_s) * 1000u;
}

static bool take_wake(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->wake_mu);
    bool w = ctx->wake;
    ctx->wake = false;
    pthread_mutex_unlock(&ctx->wake_mu);
    return w;
}

int sync_pass_locked(sync_context_t *ctx, size_t *up, size_t *down, size_t *del)
{
    size_t u = 0, d = 0, x = 0;
    int rc = sync_need_network(ctx);
    /* A node skips every node it gave up on until that one sends it a packet, which after a
     * healed partition may never come: the other side's holders stayed unasked while a fresh
     * process found them at once (docs/scale.md, (c)). So a pass gives them another chance,
     * at most every SYNC_RETRY_NODES_S and not on a context's first pass (a fresh node has
     * nothing stale): a node that is really gone costs the searches of the next seconds a wait
     * until it is given up again. */
    uint64_t now = dnasync_env_now_ms(ctx->env);
    if (rc == 0 &&
        (!ctx->nodes_retried_ms || now - ctx->nodes_retried_ms >= SYNC_RETRY_NODES_S * 1000u)) {
        if (ctx->nodes_retried_ms) {
            net_retry_nodes(ctx);
            sync_plog(ctx, "given-up nodes asked again");
        }
        ctx->nodes_retried_ms = now;
    }
    /* Before anything else: summaries a crash left in the outbox (the upload's own flush
     * retries and reports one that fails here). */
    if (rc == 0)
        sync_outbox_flush_locked(ctx);
    /* The identity record's put, when due, goes on while the pass uploads and reads. */
    sync_id_refresh_t idr;
    if (rc == 0)
        rc = sync_identity_refresh_start(ctx, &idr);
    if (rc == 0) {
        int r1 = sync_upload_pending_locked(ctx, &u);
        int r2 = sync_upload_tombstones_locked(ctx, NULL);
        if (r2 == 0)
            r2 = sync_upload_receipts_locked(ctx, NULL);
        int r3 = sync_download_window_locked(ctx, &d, &x);
        int r4 = sync_identity_refresh_finish(ctx, &idr);
        rc = r4 ? r4 : r1 ? r1 : r2 ? r2 : r3;
    }
    sync_rejected_save_locked(ctx);
    if (up)
        *up = u;
    if (down)
        *down = d;
    if (del)
        *del = x;
    return rc;
}

static int realtime_rollover(sync_context_t *ctx, uint64_t now_ms);
static bool listen_lost(sync_context_t *ctx, uint64_t now_ms);

/* The pass log's first line: what started the pass and the nodes its searches start from (a
 * device whose table holds only one side of a healed cut reads only that side). */
static void log_start(sync_context_t *ctx, const char *why, uint64_t now)
{
    ctx->passes++;
    if (!ctx->pass_log)
        return;
    char nodes[4096];
    uint32_t n = 0;
    int rc = net_nodes(ctx, nodes, sizeof nodes, &n);
    sync_plog(ctx, "start %s t=%llu.%03u nodes %u: %s", why, (unsigned long long)(now / 1000),
              (unsigned)(now % 1000), n, rc == 0 ? nodes : dnasync_strerror(rc));
}

static void log_end(sync_context_t *ctx, int rc, size_t up, size_t down, uint64_t began)
{
    uint64_t now = dnasync_env_now_ms(ctx->env);
    sync_plog(ctx, "end rc %d up %zu down %zu ms %llu next periodic in %lld s", rc, up, down,
              (unsigned long long)(now - began),
              (long long)((int64_t)ctx->sched.next_periodic_ms - (int64_t)now) / 1000);
}

/* Caller holds ctx->lock. Runs what is due at env time now; returns when to come back. */
static uint64_t tick_locked(sync_context_t *ctx, bool woken)
{
    uint64_t now = dnasync_env_now_ms(ctx->env);
    if (ctx->sched.next_periodic_ms == 0)
        ctx->sched.next_periodic_ms = now; /* the first tick runs at once */
    if (ctx->realtime) {
        realtime_rollover(ctx, now);
        woken |= listen_lost(ctx, now); /* read what the dead listen missed */
    }
    if (now >= ctx->sched.next_periodic_ms && now >= ctx->sched.backoff_until_ms) {
        size_t up = 0, down = 0;
        log_start(ctx, "periodic", now);
        int rc = sync_pass_locked(ctx, &up, &down, NULL);
        if (rc != 0) {
            /* Failed pass: retry sooner than the interval, backing off 5 s, 10 s, ... */
            uint32_t f = ctx->sched.failures < 6 ? ctx->sched.failures : 6;
            ctx->sched.failures++;
            uint64_t retry = now + (5000ull << f);
            ctx->sched.backoff_until_ms = retry;
            ctx->sched.next_periodic_ms =
                retry < next_periodic(ctx, now) ? retry : next_periodic(ctx, now);
        } else {
            ctx->sched.failures = 0;
            ctx->sched.backoff_until_ms = 0;
            ctx->sched.next_periodic_ms = next_periodic(ctx, now);
        }
        log_end(ctx, rc, up, down, now);
    } else if (woken) {
        size_t up = 0, down = 0;
        log_start(ctx, "wake", now);
        int rc = sync_upload_pending_locked(ctx, &up);
        int r2 = sync_download_recent_locked(ctx, &down);
        log_end(ctx, rc ? rc : r2, up, down, now);
    }
    uint64_t next = ctx->sched.next_periodic_ms;
    if (ctx->realtime) {
        uint64_t day_end = (now / (DNASYNC_DAY_S * 1000u) + 1) * (DNASYNC_DAY_S * 1000u);
        if (day_end < next)
            next = day_end;
        if (ctx->listen_token && ctx->listen_checked_ms + SYNC_LISTEN_CHECK_S * 1000u < next)
            next = ctx->listen_checked_ms + SYNC_LISTEN_CHECK_S * 1000u;
    }
    ctx->sched.wakeups++; /* at the end: a pass's event gaps let others read it mid-tick */
    return next;
}

uint64_t sync_tick(sync_context_t *ctx)
{
    bool woken = take_wake(ctx);
    pthread_mutex_lock(&ctx->lock);
    uint64_t next = tick_locked(ctx, woken);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return next;
}

uint64_t sync_wakeups(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    uint64_t n = ctx->sched.wakeups;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

/* The listen's callback: runs on a transport thread, so it only flags a wake-up (never takes
 * ctx->lock). */
static void on_listen(void *user, uint64_t id, const uint8_t *val, size_t len, int expired)
{
    (void)id;
    (void)val;
    (void)len;
    if (expired)
        return;
    sync_context_t *ctx = user;
    pthread_mutex_lock(&ctx->wake_mu);
    ctx->wake = true;
    pthread_cond_signal(&ctx->wake_cond);
    pthread_mutex_unlock(&ctx->wake_mu);
}

static void *bg_main(void *arg)
{
    sync_context_t *ctx = arg;
    for (;;) {
        uint64_t next = sync_tick(ctx);
        pthread_mutex_lock(&ctx->wake_mu);
        /* Sleep on the real clock for the env's distance to the next event, capped at a
         * minute so a changed interval is picked up. */
        uint64_t now = dnasync_env_now_ms(ctx->env);
        uint64_t wait_ms = next > now ? next - now : 0;
        if (wait_ms > 60000)
            wait_ms = 60000;
        struct timespec ts;
        dnasync_deadline_ms(&ts, wait_ms);
        while (!ctx->bg->stop && !ctx->wake &&
               pthread_cond_timedwait(&ctx->wake_cond, &ctx->wake_mu, &ts) != ETIMEDOUT) {
        }
        bool stop = ctx->bg->stop;
        pthread_mutex_unlock(&ctx->wake_mu);
        if (stop)
            break;
    }
    return NULL;
}

void sync_run_background(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->bg) {
        struct sync_bg *bg = calloc(1, sizeof *bg);
        if (!bg) {
            dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        } else {
            ctx->bg = bg;
            if (pthread_create(&bg->thread, NULL, bg_main, ctx) != 0) {
                free(bg);
                ctx->bg = NULL;
                dnasync_err_set(&ctx->err, DNASYNC_ERR, "cannot start the background thread");
            }
        }
    }
    pthread_mutex_unlock(&ctx->lock);
}

void sync_background_stop(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    struct sync_bg *bg = ctx->bg;
    pthread_mutex_unlock(&ctx->lock);
    if (!bg)
        return;
    pthread_mutex_lock(&ctx->wake_mu);
    bg->stop = true;
    pthread_cond_signal(&ctx->wake_cond);
    pthread_mutex_unlock(&ctx->wake_mu);
    pthread_join(bg->thread, NULL);
    pthread_mutex_lock(&ctx->lock);
    ctx->bg = NULL;
    pthread_mutex_unlock(&ctx->lock);
    free(bg);
}

/* --- real time --- */

/* Listen on the doorbell key of the current day; move it when the day changes. */
static int realtime_rollover(sync_context_t *ctx, uint64_t now_ms)
{
    int64_t day = (int64_t)(now_ms / (DNASYNC_DAY_S * 1000u));
    if (ctx->listen_day == day && ctx->listen_token)
        return 0;
    if (ctx->listen_token)
        net_listen_cancel(ctx, ctx->listen_token);
    ctx->listen_token = NULL;
    ctx->listen_day = -1;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    net_key_bell(ctx->identity, day, key);
    int rc = net_listen(ctx, key, on_listen, ctx, &ctx->listen_token);
    if (rc == 0)
        ctx->listen_day = day;
    ctx->listen_checked_ms = now_ms;
    return rc;
}

/* A listen can stop hearing without a word: OpenDHT 2.4 expires a search once every node of it
 * stopped answering (seen with the other nodes stopped for 35 s; the likely cause of bob's deaf
 * daemon in bench notes 13c) and a listen does not revive it. So every SYNC_LISTEN_CHECK_S the
 * transport is asked; a listen that no longer hears is made again. True then: the caller
 * reads what it missed. */
static bool listen_lost(sync_context_t *ctx, uint64_t now_ms)
{
    if (!ctx->listen_token || now_ms - ctx->listen_checked_ms < SYNC_LISTEN_CHECK_S * 1000u)
        return false;
    ctx->listen_checked_ms = now_ms;
    if (net_listen_alive(ctx, ctx->listen_token) != 0)
        return false;
    sync_plog(ctx, "listen on the doorbell no longer hears: listening again");
    net_listen_cancel(ctx, ctx->listen_token);
    ctx->listen_token = NULL;
    realtime_rollover(ctx, now_ms);
    return true;
}

void sync_set_pass_log(sync_context_t *ctx, FILE *f)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->pass_log = f;
    pthread_mutex_unlock(&ctx->lock);
}

bool sync_realtime_active(const sync_context_t *ctx)
{
    return ctx->realtime;
}

int sync_enable_realtime(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    int rc = sync_need_network(ctx);
    if (rc == 0 && !ctx->realtime) {
        rc = realtime_rollover(ctx, dnasync_env_now_ms(ctx->env));
        ctx->realtime = rc == 0;
    }
    pthread_mutex_unlock(&ctx->lock);
    if (rc == 0)
        sync_run_background(ctx); /* the periodic safety net and the wake-up handler */
    return rc;
}

int sync_disable_realtime(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    if (ctx->listen_token)
        net_listen_cancel(ctx, ctx->listen_token);
    ctx->listen_token = NULL;
    ctx->listen_day = -1;
    ctx->realtime = false;
    pthread_mutex_unlock(&ctx->lock);
    return 0;
}
