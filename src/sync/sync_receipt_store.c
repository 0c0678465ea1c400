/* The receipts kept in sync_meta: this device's shared ones waiting for the DHT to confirm them
 * ("receipt_pending:<id>" = read_at), and other devices' ones that came before their message
 * ("receipt_early:<id>" = read_at). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_receipt_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENDING "receipt_pending:"
#define EARLY "receipt_early:"

static int meta_key(char *buf, size_t len, const char *prefix, const char *id)
{
    return snprintf(buf, len, "%s%s", prefix, id) < (int)len ? 0 : DNASYNC_EINVAL;
}

int sync_receipt_queue_locked(sync_context_t *ctx, const char *message_id, int64_t read_at)
{
    char key[sizeof PENDING + DNASYNC_ID_HEX_LEN], at[32];
    snprintf(at, sizeof at, "%lld", (long long)read_at);
    int rc = meta_key(key, sizeof key, PENDING, message_id);
    if (rc == 0 && dnasync_cache_meta_set(ctx->cache, key, at) != 0)
        rc = sync_cache_fail(ctx);
    return rc;
}

static void collect(void *user, const char *key, const char *value)
{
    sync_receipt_list_t *p = user;
    const char *id = key + strlen(PENDING);
    if (strlen(id) != DNASYNC_ID_HEX_LEN || p->n == p->cap)
        return;
    memcpy(p->ids[p->n], id, DNASYNC_ID_HEX_LEN + 1);
    p->at[p->n++] = strtoll(value, NULL, 10);
}

int sync_receipts_queued_locked(sync_context_t *ctx, sync_receipt_list_t *p)
{
    return dnasync_cache_meta_each(ctx->cache, PENDING, collect, p) == 0 ? DNASYNC_OK
                                                                         : sync_cache_fail(ctx);
}

int sync_receipt_sent_locked(sync_context_t *ctx, const char *message_id)
{
    char key[sizeof PENDING + DNASYNC_ID_HEX_LEN];
    if (meta_key(key, sizeof key, PENDING, message_id) != 0)
        return DNASYNC_OK;
    return dnasync_cache_meta_delete(ctx->cache, key) < 0 ? sync_cache_fail(ctx) : DNASYNC_OK;
}

int sync_receipt_apply(sync_context_t *ctx, const char *message_id, int64_t read_at)
{
    int has = dnasync_cache_has(ctx->cache, message_id);
    if (has < 0)
        return has;
    if (has)
        return dnasync_cache_mark_read(ctx->cache, message_id, read_at);
    char key[sizeof EARLY + DNASYNC_ID_HEX_LEN], at[32];
    snprintf(at, sizeof at, "%lld", (long long)read_at);
    int rc = meta_key(key, sizeof key, EARLY, message_id);
    return rc == 0 ? dnasync_cache_meta_set(ctx->cache, key, at) : rc;
}

int sync_receipt_arrived_message(sync_context_t *ctx, const char *message_id)
{
    char key[sizeof EARLY + DNASYNC_ID_HEX_LEN], *at = NULL;
    if (meta_key(key, sizeof key, EARLY, message_id) != 0)
        return 0;
    int rc = dnasync_cache_meta_get(ctx->cache, key, &at);
    if (rc == DNASYNC_ENOTFOUND)
        return 0;
    if (rc == 0 && at)
        rc = dnasync_cache_mark_read(ctx->cache, message_id, strtoll(at, NULL, 10));
    free(at);
    if (rc == 0)
        rc = dnasync_cache_meta_delete(ctx->cache, key);
    return rc;
}
