/* This identity's own record on the DHT (sync_identity.c, docs/trust.md). */
#ifndef DNASYNC_SYNC_IDENTITY_H
#define DNASYNC_SYNC_IDENTITY_H

#include "dnasync/sync_protocol.h"
#include "sync/sync_net.h"

#include <pthread.h>
#include <stdbool.h>

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
/* The same in two steps, so a pass goes on while the put waits (a linked device's first pass
 * waited ~1.2 s for it, before reading anything, while a departed node was in its routing
 * table: issue 14). start: when due, the put runs on a thread of its own (it touches only the
 * transport); finish: waits for it, judges it and records it unless the mark changed since
 * start. A start that returns 0 is followed by one finish on the same thread, under ctx->lock
 * (released only in the pass's event gaps, as always). */
#define SYNC_ID_MARK 32
typedef struct sync_id_refresh {
    bool due, threaded;
    char mark[SYNC_ID_MARK]; /* the confirmation mark start read ("" when none) */
    pthread_t thread;
    dnasync_net_t *net;
    net_put_t put;
    uint8_t *val; /* the record's bytes (put.val) */
    int rc;
    char err[DNASYNC_NET_ERR_MAX];
} sync_id_refresh_t;
int sync_identity_refresh_start(sync_context_t *ctx, sync_id_refresh_t *r);
int sync_identity_refresh_finish(sync_context_t *ctx, sync_id_refresh_t *r);

#ifdef __cplusplus
}
#endif
#endif
