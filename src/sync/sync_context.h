/* Internal: the sync context every file of the engine works on, and its shared helpers
 * (sync_context.c). Each other file of src/sync declares its own functions in its own header. */
#ifndef DNASYNC_SYNC_CONTEXT_H
#define DNASYNC_SYNC_CONTEXT_H

#include "cache/cache.h"
#include "common/err.h"
#include "dht/dht_keys.h"
#include "dnasync/sync_protocol.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

_Static_assert(DNASYNC_INDEX_SHARDS == DNASYNC_DHT_SHARDS,
               "the cache's index shards must be the DHT key shards");
#define SYNC_BATCH 100        /* pending rows uploaded per batch */
#define SYNC_PUT_GROUP 10000  /* rows bundled per upload step (fewer, fuller bundles) */
#define SYNC_FETCH_CHUNK 16   /* ids fetched per request burst */
#define SYNC_SHARD_ROUNDS 2   /* reads of a differing shard per pass: a listing, then a get */
#define SYNC_FETCH_ROUNDS 3   /* tries for ids a read lost */
#define SYNC_READ_AHEAD 8     /* differing shards read at once (sync_readahead.h) */
#define SYNC_DAY_GRACE_S 3600 /* a day is closed once verified this long after it ended */
#define SYNC_DOWNLOAD_WAIT_MS 600000 /* a download waits this long for another to end */
#define SYNC_RETRY_NODES_S 240       /* a pass asks given-up nodes again at most this often */
#define SYNC_LISTEN_CHECK_S 30       /* real time: the listen is checked this often, s */

typedef struct sync_event_item {
    sync_event_kind_t kind;
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    size_t done, total;
} sync_event_item_t;

typedef struct sync_sched {
    uint64_t next_periodic_ms; /* env time of the next periodic pass; 0 = at once */
    bool realtime_dirty;       /* a listen fired: download recent days at the next tick */
    uint64_t wakeups;          /* ticks run (for the mobile-profile benchmark) */
    uint32_t failures;         /* consecutive failed passes: back-off */
    uint64_t backoff_until_ms;
} sync_sched_t;

#define SYNC_SUM_VERIFIED_SLOTS 2048 /* 64 KiB */

struct sync_context {
    pthread_mutex_t lock; /* serialises every public call and the background thread */
    /* A download releases lock in its event gaps (sync_events_flush_locked): another thread's
     * download waits on download_cv (with lock) until downloading is false, so no pass runs
     * inside another and then sees its verdicts overwritten by the older pass's reads. */
    bool downloading;
    pthread_cond_t download_cv;
    dnasync_cache_t *cache;
    dnasync_net_t *net;     /* the transport (net/net.h); NULL = local only */
    dnasync_net_t *own_net; /* set when sync_init wrapped a DHT node: freed with ctx */
    const dnasync_env_t *env;
    const dnasync_identity_t *id; /* borrowed; NULL until sync_set_identity */
    char identity[DNASYNC_NAME_MAX + 1];
    char device_id[DNASYNC_DEVICE_ID_LEN + 1];
    char *home;
    dnasync_err_t err;      /* guarded by err_mu (written by every thread that fails on ctx) */
    pthread_mutex_t err_mu; /* a leaf lock: held only inside common/err.c */

    sync_profile_t profile;
    uint32_t interval_s, jitter_s;
    bool share_read_receipts; /* send this device's read receipts to the identity's others */
    sync_event_cb event_cb;
    void *event_user;
    sync_event_item_t *events; /* queued under the lock, delivered without it */
    size_t n_events, cap_events;

    sync_damaged_t *damaged; /* damaged cached messages met since sync_init (sync_get_damaged) */
    size_t n_damaged, cap_damaged;
    size_t damaged_rows; /* damaged pending rows of the last complete upload walk (sync_meta) */

    uint64_t rejected;        /* values refused since the last save (sync_rejected_save_locked) */
    uint64_t rejected_saved;  /* refusals of all runs, kept in sync_meta */
    size_t pending_downloads; /* ids listed on the DHT but not fetched yet */
    /* SHA-256 of summary values whose signature checked out (sync_download.c): a pass re-reads
     * every writer's summary, and the same bytes need no second check. A slot per value of
     * the hash's first 11 bits (256 slots left ~a third of 102 writers checked again each
     * pass); a collision only costs a check again. */
    uint8_t sum_verified[SYNC_SUM_VERIFIED_SLOTS][32];

    bool realtime;
    int64_t listen_day; /* day whose doorbell key is listened to; -1 none */
    void *listen_token;
    uint64_t listen_checked_ms; /* env time the listen was made or last found hearing */

    sync_sched_t sched;
    struct sync_bg *bg;      /* background thread; NULL when not running */
    pthread_mutex_t wake_mu; /* never held while waiting for anything else */
    pthread_cond_t wake_cond;
    bool wake; /* a listen fired since the last tick */

    uint64_t nodes_retried_ms; /* env time of the last net_retry_nodes (sync_pass_locked) */
    FILE *pass_log;            /* NULL: no pass log (sync_set_pass_log, docs/cli.md) */
    uint64_t passes;           /* passes run (full and woken), numbers the log's lines */
};

/* --- sync_context.c --- */
/* Queue an event for delivery without ctx->lock (caller holds it). */
void sync_event_push(sync_context_t *ctx, sync_event_kind_t kind, const char *message_id,
                     size_t done, size_t total);
/* Deliver queued events; caller must NOT hold ctx->lock. */
void sync_events_deliver(sync_context_t *ctx);
/* The same from inside a pass, between two committed steps: releases ctx->lock for the
 * callbacks (other calls may run in between, every step before is committed; another download
 * waits for this one: downloading). */
void sync_events_flush_locked(sync_context_t *ctx);
/* The cache's last error into ctx->err; returns DNASYNC_EIO. */
int sync_cache_fail(sync_context_t *ctx);
/* End a cache transaction: commit when rc == 0, else roll back. Returns rc or DNASYNC_EIO. */
int sync_tx_finish(sync_context_t *ctx, int rc);
/* 0 when ctx can reach the network (a transport, keys, a known peer); else why in ctx->err. */
int sync_need_network(sync_context_t *ctx);
int64_t sync_today(const sync_context_t *ctx);
/* One line of the pass log ("pass N " first), when there is one (caller holds ctx->lock). */
void sync_plog(sync_context_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 when both are valid names; else DNASYNC_EINVAL with the reason in ctx->err. */
int sync_check_names(sync_context_t *ctx, const char *a, const char *b);

/* Read the counts of earlier runs kept in sync_meta (refused values, damaged rows). */
void sync_saved_counts_load(sync_context_t *ctx);
/* The damaged pending rows a complete upload walk skipped: kept for sync_get_status and saved
 * in sync_meta when the number changed. */
void sync_damaged_rows_set_locked(sync_context_t *ctx, size_t n);
/* Adds this run's refusals to the count kept in the cache (status shows all runs). */
void sync_rejected_save_locked(sync_context_t *ctx);

#endif
