/* Internal: bundles (docs/sync.md "Bundles"). What one upload pass writes to one (mailbox, day,
 * shard) goes out as one or a few signed values; each is recorded in the cache (bytes and
 * members) before its put and forgotten in the transaction that marks its members synced, so a
 * crash anywhere re-puts the same bytes under the same id. */
#ifndef DNASYNC_SYNC_BUNDLE_H
#define DNASYNC_SYNC_BUNDLE_H

#include "sync/sync_values.h"

/* One value to bundle; every pointer is borrowed for the call. */
typedef struct sb_item {
    const char *mailbox;
    const char *message_id;
    int64_t at;                /* created_at, deleted_at or read_at */
    const message_info_t *msg; /* SV_MESSAGE items */
    unsigned shard;            /* set by sync_bundles_put_locked (callers leave it 0) */
} sb_item_t;

/* Bundle items of one kind (SV_MESSAGE, SV_TOMBSTONE or SV_RECEIPT) into (mailbox, day) (the
 * array is reordered), record, put and finish them. *marked: messages whose value of that kind
 * is now confirmed everywhere it was bundled (marked synced). DNASYNC_EDHT when a bundle was not
 * confirmed (its members stay pending, the bundle recorded). */
int sync_bundles_put_locked(sync_context_t *ctx, int kind, sb_item_t *items, size_t n, int64_t day,
                            size_t *marked);
/* Re-put every bundle of kind (0: of every kind) a crash or a failed put left recorded,
 * finishing those confirmed. *marked as above (may be NULL). */
int sync_bundles_resume_locked(sync_context_t *ctx, int kind, size_t *marked);
/* 1 when message_id's value of kind is carried by a recorded bundle (it must not be bundled
 * again until that one is done), 0 not, negative on a cache error. */
int sync_bundles_hold(sync_context_t *ctx, int kind, const char *message_id);

#endif
