/* Internal: the receipts kept in sync_meta (sync_receipt_store.c). Caller holds ctx->lock. */
#ifndef DNASYNC_SYNC_RECEIPT_STORE_H
#define DNASYNC_SYNC_RECEIPT_STORE_H

#include "sync/sync_context.h"

/* Queue this device's receipt of message_id (read at read_at) to be shared. */
int sync_receipt_queue_locked(sync_context_t *ctx, const char *message_id, int64_t read_at);

/* The queued receipts, at most cap (ids and at allocated by the caller). */
typedef struct sync_receipt_list {
    char (*ids)[DNASYNC_ID_HEX_LEN + 1];
    int64_t *at;
    size_t n, cap;
} sync_receipt_list_t;
int sync_receipts_queued_locked(sync_context_t *ctx, sync_receipt_list_t *p);
/* A shared receipt is confirmed on the DHT: off the queue (inside the caller's transaction). */
int sync_receipt_sent_locked(sync_context_t *ctx, const char *message_id);

/* A receipt from another of this identity's devices: mark read (or remember it until the
 * message arrives). */
int sync_receipt_apply(sync_context_t *ctx, const char *message_id, int64_t read_at);
/* A message just arrived: apply a receipt that came before it. */
int sync_receipt_arrived_message(sync_context_t *ctx, const char *message_id);

#endif
