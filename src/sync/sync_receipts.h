/* Internal: sharing read receipts with this identity's other devices (sync_receipts.c). */
#ifndef DNASYNC_SYNC_RECEIPTS_H
#define DNASYNC_SYNC_RECEIPTS_H

#include "sync/sync_context.h"

/* Bundle and put the queued receipts (caller holds ctx->lock). */
int sync_upload_receipts_locked(sync_context_t *ctx, size_t *uploaded);

#endif
