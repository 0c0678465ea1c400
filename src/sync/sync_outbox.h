/* Internal: the outbox of summaries (sync_outbox.c, docs/sync.md "The outbox"). */
#ifndef DNASYNC_SYNC_OUTBOX_H
#define DNASYNC_SYNC_OUTBOX_H

#include "sync/sync_context.h"

/* Put this device's summary of (mailbox, day): 0 once confirmed, else an error in ctx->err. */
int sync_publish_summary_locked(sync_context_t *ctx, const char *mailbox, int64_t day);
/* Re-put every summary in the outbox (ringing its doorbell), clearing each once confirmed.
 * DNASYNC_EDHT when any stays. */
int sync_outbox_flush_locked(sync_context_t *ctx);

#endif
