/* Internal: downloading days of the window (sync_download.c). Caller holds ctx->lock. */
#ifndef DNASYNC_SYNC_DOWNLOAD_H
#define DNASYNC_SYNC_DOWNLOAD_H

#include "sync/sync_context.h"

/* Every unclosed day of the window (new device or catch-up). */
int sync_download_window_locked(sync_context_t *ctx, size_t *new_msgs, size_t *deleted);
/* Today and yesterday only (idle pass and real-time wake-ups). */
int sync_download_recent_locked(sync_context_t *ctx, size_t *new_msgs);

#endif
