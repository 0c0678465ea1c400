/* Internal: deletions (sync_tombstone.c). */
#ifndef DNASYNC_SYNC_TOMBSTONE_H
#define DNASYNC_SYNC_TOMBSTONE_H

#include "sync/sync_context.h"

/* Bundle and put the pending tombstones (caller holds ctx->lock). */
int sync_upload_tombstones_locked(sync_context_t *ctx, size_t *uploaded);

#endif
