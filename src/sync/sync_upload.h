/* Internal: uploading pending messages (sync_upload.c). */
#ifndef DNASYNC_SYNC_UPLOAD_H
#define DNASYNC_SYNC_UPLOAD_H

#include "sync/sync_context.h"

/* Upload the pending messages (caller holds ctx->lock); *uploaded: how many (may be NULL). */
int sync_upload_pending_locked(sync_context_t *ctx, size_t *uploaded);

#endif
