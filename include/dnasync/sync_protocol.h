/* dnasync sync engine: the API of ../shared/spec/sync-protocol.md ("API DESIGN"), plus what the
 * tools need. Deviations from the spec, and why:
 *  - sync_init takes a 4th argument, the environment (time + randomness), so tests can jump days;
 *    NULL means the real clock and OpenSSL's RNG. dht_ctx may be NULL: a local-only context
 *    (cache operations work; network operations return DNASYNC_EDHT).
 *  - counts and errors are reported as int: >= 0 a count, < 0 a dnasync/status.h code; the
 *    readable reason is in sync_errmsg(ctx), from the thread that made the call (sync_init's,
 *    which has no context to ask, in dnasync_last_error()).
 *
 * Threading: every function here may be called from any thread, also while the background
 * thread (sync_run_background / sync_enable_realtime) runs: one mutex per context serialises
 * them. Event callbacks run on the thread that runs the pass (the background thread, or the
 * caller of sync_pass / sync_download_*), with that mutex released, as soon as each shard is
 * committed (so a long catch-up reports progress while it runs); they may call any sync_*
 * function except sync_free. */
#ifndef DNASYNC_SYNC_PROTOCOL_H
#define DNASYNC_SYNC_PROTOCOL_H

#include "dnasync/export.h"

#include "dnasync/env.h"
#include "dnasync/message.h"
#include "dnasync/status.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sync_context sync_context_t;
/* Opaque here: a DHT node and a transport are made by the library's layers (src/dht/dht.h,
 * src/net/net.h; not installed) or borrowed from an open home (dnasync_home_dht,
 * dnasync_home_net in dnasync/home.h). */
typedef struct dht_storage_context dht_storage_context_t;
typedef struct dnasync_net dnasync_net_t;
typedef struct dnasync_identity dnasync_identity_t; /* dnasync/identity.h */

#define SYNC_DEFAULT_INTERVAL_S 300 /* periodic sync: every 5 minutes (plus jitter) */
#define SYNC_DEFAULT_PRUNE_DAYS 90  /* local cache keeps 90 days */
#define SYNC_WINDOW_DAYS 30         /* messages live 30 days on the DHT */

typedef enum sync_profile {
    SYNC_PROFILE_DESKTOP = 0, /* real-time (DHT listen) with a periodic safety net */
    SYNC_PROFILE_MOBILE = 1   /* periodic only: fewer wake-ups, no open listen */
} sync_profile_t;

typedef struct sync_status {
    uint64_t last_upload_time;   /* Unix s of the last pass that uploaded without error; 0 never */
    uint64_t last_download_time; /* Unix s of the last complete download pass; 0 never */
    size_t pending_uploads;      /* messages with synced_to_dht = 0 */
    size_t pending_downloads;    /* ids seen on the DHT but not fetched yet */
    bool realtime_enabled;
    /* extensions */
    size_t pending_tombstones; /* deletions not yet confirmed on the DHT */
    size_t messages;           /* rows in the cache (including soft-deleted) */
    uint32_t verified_days;    /* days of the 30-day window proven complete */
    uint32_t window_days;      /* SYNC_WINDOW_DAYS + 1 (today included) */
    uint64_t
        oldest_unverified_expiry; /* Unix s when the oldest unverified day leaves the DHT; 0 none */
    uint64_t rejected_values;     /* values refused (bad signature, id mismatch, oversize, ...),
                                     all runs of this home (kept in the cache) */
    size_t damaged_rows; /* pending messages the last complete upload walk had to skip because
                            their cached ciphertext is damaged: never uploaded, kept pending (so
                            also in pending_uploads) and untouched; sync_get_damaged names them.
                            Kept in the cache; 0 once a walk finds none */
} sync_status_t;

/* A message whose cached copy cannot be read (its stored ciphertext is damaged: docs/cache.md,
 * "Damaged rows"). */
typedef struct sync_damaged {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    char reason[256]; /* why, e.g. "stored compressed ciphertext is corrupt (...)" */
} sync_damaged_t;

/* One day of the window, for `dnasync status`. */
typedef struct sync_day_status {
    int64_t day;         /* UTC day number (Unix s / DNASYNC_DAY_S) */
    bool verified;       /* summary matched what this device holds */
    bool closed;         /* verified after the day ended: never re-read */
    uint64_t expires_at; /* Unix s when values uploaded that day expire from the DHT */
    char problem[320];   /* why the last check did not verify it ("" when verified or never
                            checked): a failed or flooded summary read, a summary naming values
                            this device lacks or refused, values no summary accounts for */
} sync_day_status_t;

/* What the background thread reports (for `dnasync watch`). message_id is borrowed for the call. */
typedef enum sync_event_kind {
    SYNC_EVENT_MESSAGE,
    SYNC_EVENT_DELETED,
    SYNC_EVENT_PROGRESS,
    SYNC_EVENT_RECEIPT /* another device of this identity read message_id (shared receipt; the
                          message itself may arrive later) */
} sync_event_kind_t;
typedef struct sync_event {
    sync_event_kind_t kind;
    const char *message_id; /* MESSAGE / DELETED / RECEIPT */
    size_t done, total;     /* PROGRESS: values fetched of values to fetch */
} sync_event_t;
typedef void (*sync_event_cb)(void *user, const sync_event_t *ev);

/* --- the spec's API --- */

/* Creates a context over an open SQLite connection (not taken over: the caller closes it after
 * sync_free) and an optional DHT (borrowed; must outlive the context). identity is copied.
 * Returns NULL on failure (invalid name, cache migration failure, out of memory), the reason
 * then in the thread's dnasync_last_error() (dnasync/status.h). */
DNASYNC_API sync_context_t *sync_init(sqlite3 *db, dht_storage_context_t *dht_ctx,
                                      const char *identity, const dnasync_env_t *env);
/* The same over any transport (the DHT node, a gateway, the in-memory store: see
 * dnasync_net_t above); net is borrowed (must outlive the context), NULL = local only. */
DNASYNC_API sync_context_t *sync_init_net(sqlite3 *db, dnasync_net_t *net, const char *identity,
                                          const dnasync_env_t *env);

DNASYNC_API int sync_upload_message(sync_context_t *ctx,
                                    const message_info_t *msg); /* 0 ok / 1 already */
DNASYNC_API int sync_upload_pending(sync_context_t *ctx); /* uploads every pending row; count. A row
                                                 whose cached copy is damaged is skipped (stays
                                                 pending; sync_get_damaged) */
DNASYNC_API int sync_download_messages(sync_context_t *ctx,
                                       const char *conversation_id); /* new in conv */
DNASYNC_API int sync_download_all(sync_context_t *ctx); /* new messages, all conversations */
DNASYNC_API int sync_delete_message(sync_context_t *ctx, const char *message_id);
DNASYNC_API int sync_download_tombstones(sync_context_t *ctx); /* deletions applied */
DNASYNC_API void sync_run_background(sync_context_t *ctx);     /* starts the periodic thread */
DNASYNC_API int sync_enable_realtime(sync_context_t *ctx);
DNASYNC_API int sync_disable_realtime(sync_context_t *ctx);
DNASYNC_API int sync_get_status(sync_context_t *ctx, sync_status_t *status_out);
DNASYNC_API int sync_prune_old_messages(sync_context_t *ctx, uint32_t days); /* rows deleted */
DNASYNC_API void sync_free(sync_context_t *ctx); /* stops the background thread; NULL is fine */

/* --- extensions the tools need --- */

/* The reason of the calling thread's last failed call on ctx (what dnasync_last_error() said
 * then), so concurrent callers each read their own; a thread that made no failing call on ctx
 * gets a copy of ctx's last failure on any thread (the background's too), read under a lock.
 * Borrowed, valid until the next call on ctx from this thread. Never NULL. */
DNASYNC_API const char *sync_errmsg(const sync_context_t *ctx);
/* Give the context this device's keys (borrowed; must outlive ctx) and device id (copied).
 * Needed by send, upload, delete and download verification. */
DNASYNC_API int sync_set_identity(sync_context_t *ctx, const dnasync_identity_t *id,
                                  const char *device_id);
DNASYNC_API int sync_set_profile(sync_context_t *ctx, sync_profile_t profile);
DNASYNC_API int sync_set_interval(sync_context_t *ctx, uint32_t seconds, uint32_t jitter_seconds);
DNASYNC_API void sync_set_event_callback(sync_context_t *ctx, sync_event_cb cb, void *user);
/* Home directory for identity pins (copied). */
DNASYNC_API int sync_set_home(sync_context_t *ctx, const char *home);

/* Encrypt text for recipient (and for this identity's other devices), store it in the cache and
 * upload it when a DHT is attached. message_id_out gets the new id (64 hex + NUL). A failed
 * upload keeps the message pending (returned status 0, pending_uploads grows). recipient may be
 * a contact address "NAME#FINGERPRINT-PREFIX" (docs/trust.md), which pins that key; when
 * several keys claim an unpinned NAME nothing is sent (DNASYNC_EEXIST, docs/trust.md). */
DNASYNC_API int sync_send(sync_context_t *ctx, const char *recipient, const uint8_t *text,
                          size_t text_len, char message_id_out[DNASYNC_ID_HEX_LEN + 1]);
/* Decrypt a cached message. *text_out is malloc'd and NUL-terminated; caller frees. */
DNASYNC_API int sync_open_message(sync_context_t *ctx, const message_info_t *msg, char **text_out,
                                  size_t *text_len);
/* Inbox: newest first; conversation_id NULL = all. *out is an array the caller frees with
 * sync_free_messages. Soft-deleted messages are left out, and so are messages whose cached copy
 * is damaged (not counted against limit; sync_get_damaged names them). */
DNASYNC_API int sync_list_messages(sync_context_t *ctx, const char *conversation_id, size_t limit,
                                   message_info_t **out, size_t *count);
DNASYNC_API void sync_free_messages(message_info_t *msgs, size_t count);
/* Mark a message read. Read receipts stay on this device unless sharing is on (the spec's
 * privacy trade-off): then a receipt signed by this identity goes to its own mailbox and its
 * other devices mark the message read too. Receipts from the identity's other devices are
 * always applied. Sharing is off by default. */
DNASYNC_API int sync_set_share_read_receipts(sync_context_t *ctx, bool share);
DNASYNC_API int sync_mark_read(sync_context_t *ctx, const char *message_id);
/* One cached message by id; out is cleared with message_info_clear. DNASYNC_ENOTFOUND. */
DNASYNC_API int sync_get_message(sync_context_t *ctx, const char *message_id, message_info_t *out);
#define SYNC_MAX_TEXT 32768 /* bytes of text per message: a sealed value stays far below 64 KiB */
/* Messages this context met since sync_init whose cached copy is damaged (upload walks and
 * sync_list_messages skip them and go on with every other message; nothing is deleted or
 * rewritten, a pending one stays pending): one entry per message id, in the order first met,
 * with the latest reason. *out caller frees with free(); NULL when *count == 0. */
DNASYNC_API int sync_get_damaged(sync_context_t *ctx, sync_damaged_t **out, size_t *count);
/* Per-day completeness of the window, oldest first; *out caller frees with free(). */
DNASYNC_API int sync_get_days(sync_context_t *ctx, sync_day_status_t **out, size_t *count);
/* Run whatever is due at the env's current time (periodic pass, real-time wake-up, day
 * roll-over of the listen) and return the env time in ms when something is next due. The
 * background thread is a loop around this; simulations call it directly. */
DNASYNC_API uint64_t sync_tick(sync_context_t *ctx);
/* How many ticks have run (wake-ups, for the mobile-profile benchmark). */
DNASYNC_API uint64_t sync_wakeups(sync_context_t *ctx);
/* One pass: upload pending, download new, apply tombstones. Counts may be NULL. */
DNASYNC_API int sync_pass(sync_context_t *ctx, size_t *uploaded, size_t *downloaded,
                          size_t *deleted);
/* Cached messages (soft-deleted ones too) whose id starts with prefix (1..64 lowercase hex), in
 * id order: up to max into out (caller's array), *count written, *more true when further ones
 * match. For ids a person types short (the CLI accepts any unique prefix). */
typedef struct sync_id_match {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    bool deleted;
} sync_id_match_t;
DNASYNC_API int sync_find_messages(sync_context_t *ctx, const char *prefix, size_t max,
                                   sync_id_match_t *out, size_t *count, bool *more);

#ifdef __cplusplus
}
#endif
#endif
