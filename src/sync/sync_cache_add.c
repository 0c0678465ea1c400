/* Storing text in the cache without sending it (tests, benchmarks, `dnasync cache-add`). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_cache_add.h"

#include "dnasync/identity.h"
#include "sync/sync_context.h"
#include "sync/sync_seal.h"

#include <string.h>

int sync_cache_add_text(sync_context_t *ctx, const char *sender, const char *recipient,
                        const char *text, int64_t created_at, bool synced,
                        char message_id_out[DNASYNC_ID_HEX_LEN + 1])
{
    int rc = sync_check_names(ctx, sender, recipient);
    if (rc != 0)
        return rc;
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    pthread_mutex_lock(&ctx->lock);
    message_info_t msg;
    memset(&msg, 0, sizeof msg);
    const uint8_t *own = ctx->id->kem_ek;
    if (!created_at)
        created_at = (int64_t)dnasync_env_now(ctx->env);
    rc = sync_seal_message(ctx, sender, recipient, created_at, (const uint8_t *)text, strlen(text),
                           &own, 1, &msg);
    msg.synced_to_dht = synced;
    int inserted = 0;
    if (rc == 0 && dnasync_cache_insert(ctx->cache, &msg, &inserted) != 0)
        rc = sync_cache_fail(ctx);
    if (rc == 0)
        memcpy(message_id_out, msg.message_id, sizeof msg.message_id);
    message_info_clear(&msg);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
