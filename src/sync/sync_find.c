/* sync_find_messages: ids by prefix, through the cache. */
#include "sync/sync_context.h"

#include <stdlib.h>
#include <string.h>

int sync_find_messages(sync_context_t *ctx, const char *prefix, size_t max, sync_id_match_t *out,
                       size_t *count, bool *more)
{
    if (!ctx || !prefix || !out || !count || !more || max == 0)
        return DNASYNC_EINVAL;
    dnasync_cache_id_match_t *m = calloc(max, sizeof *m);
    if (!m)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    int more_i = 0;
    pthread_mutex_lock(&ctx->lock);
    int rc = dnasync_cache_find_ids(ctx->cache, prefix, max, m, count, &more_i);
    if (rc != 0)
        sync_cache_fail(ctx);
    pthread_mutex_unlock(&ctx->lock);
    for (size_t i = 0; rc == 0 && i < *count; i++) {
        memcpy(out[i].message_id, m[i].message_id, sizeof out[i].message_id);
        out[i].deleted = m[i].deleted != 0;
    }
    *more = more_i != 0;
    free(m);
    return rc;
}
