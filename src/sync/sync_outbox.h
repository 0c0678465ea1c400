/* Internal: the outbox of summaries (sync_outbox.c, docs/sync.md "The outbox"). */
#ifndef DNASYNC_SYNC_OUTBOX_H
#define DNASYNC_SYNC_OUTBOX_H

#include "sync/sync_context.h"

/* Re-put every summary in the outbox (one batch), ring the doorbells of the confirmed ones (one
 * best-effort call), clear each entry once its summary was confirmed. DNASYNC_EDHT when any
 * stays (the reason in ctx->err). */
int sync_outbox_flush_locked(sync_context_t *ctx);

#endif
