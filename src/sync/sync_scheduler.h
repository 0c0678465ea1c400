/* Internal: when to sync (sync_scheduler.c). */
#ifndef DNASYNC_SYNC_SCHEDULER_H
#define DNASYNC_SYNC_SCHEDULER_H

#include "sync/sync_context.h"

/* One full pass: outbox, identity record, uploads, the window's download (caller holds
 * ctx->lock). */
int sync_pass_locked(sync_context_t *ctx, size_t *up, size_t *down, size_t *del);
void sync_background_stop(sync_context_t *ctx);
bool sync_realtime_active(const sync_context_t *ctx);
/* Write a line per step of every pass the scheduler runs to f (NULL: none; borrowed, valid
 * until set again): start with the routing table, each day read, end (docs/cli.md, watch). */
void sync_set_pass_log(sync_context_t *ctx, FILE *f);

#endif
