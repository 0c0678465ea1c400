/* Internal: the verified days of the window (sync_days.c). */
#ifndef DNASYNC_SYNC_DAYS_H
#define DNASYNC_SYNC_DAYS_H

#include "sync/sync_context.h"

/* Days of the window verified, the window's length and the expiry of the oldest unverified
 * day (for sync_get_status; caller holds ctx->lock). */
int sync_days_summary(sync_context_t *ctx, uint32_t *verified, uint32_t *window,
                      uint64_t *oldest_unverified_expiry);

#endif
