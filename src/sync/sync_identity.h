/* This identity's own record on the DHT (sync_identity.c, docs/trust.md). */
#ifndef DNASYNC_SYNC_IDENTITY_H
#define DNASYNC_SYNC_IDENTITY_H

#include "dnasync/sync_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Publish this identity's record now and confirm (bounded wait) that the network serves it.
 * 0 ok; DNASYNC_EDHT when it was not confirmed or cannot be read back. */
int sync_publish_identity(sync_context_t *ctx);
/* Forget when the record was last published, so the next pass publishes it again (after the
 * home's bootstrap nodes changed: possibly another network). */
int sync_identity_forget_published(sync_context_t *ctx);

/* --- for the engine (caller holds ctx->lock) --- */

/* Put this identity's record (idempotent: one record per key; it proves nothing about the name,
 * docs/trust.md). */
int sv_publish_identity(sync_context_t *ctx);
/* Publish this identity's record when it was not confirmed in the last week. */
int sync_identity_refresh_locked(sync_context_t *ctx);

#ifdef __cplusplus
}
#endif
#endif
