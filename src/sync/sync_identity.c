/* This identity's own record on the DHT: published when not confirmed in the last week, and on
 * request with a check that the network serves it back (docs/trust.md). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_identity.h"

#include "dnasync/identity.h"
#include "sync/contacts.h"
#include "sync/sync_context.h"
#include "sync/sync_net.h"
#include "sync/sync_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_PUBLISHED "identity_published_at"

/* Whether the network serves this identity's own key under its name now. */
static int own_claim_readable(sync_context_t *ctx)
{
    return sync_claim_served(ctx, ctx->identity, ctx->id->sign_pk, ctx->id->kem_ek);
}

/* The record as one put: *val (caller frees) holds its bytes. */
static int identity_put(sync_context_t *ctx, net_put_t *put, uint8_t **val)
{
    size_t len = 0;
    int rc = sv_encode_identity(ctx, val, &len);
    if (rc != 0)
        return rc;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    *put = (net_put_t){.val = *val,
                       .len = len,
                       .kind = SV_IDENTITY,
                       .created = (int64_t)dnasync_env_now(ctx->env)};
    if (dht_value_decode(*val, len, &v) == 0)
        put->vid = dht_value_id(&v);
    dht_value_clear(&v);
    return net_key_id(ctx->identity, put->key);
}

/* A put the network did not confirm: refused when the nodes hold a later edition of this very
 * record (this device's clock is behind the one that published it): the claim is on the DHT all
 * the same. */
static int judge_put(sync_context_t *ctx, const net_put_t *put)
{
    if (!put->ok && !own_claim_readable(ctx))
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT, "identity record not confirmed by the DHT");
    return DNASYNC_OK;
}

int sv_publish_identity(sync_context_t *ctx)
{
    uint8_t *val = NULL;
    net_put_t put;
    int rc = identity_put(ctx, &put, &val);
    if (rc == 0)
        rc = net_put_many(ctx, &put, 1);
    if (rc == 0)
        rc = judge_put(ctx, &put);
    free(val);
    return rc;
}

/* The stored mark of the record's last confirmation ("" when none) and whether the record is
 * due: not confirmed in the last week. */
static int refresh_due(sync_context_t *ctx, char mark[SYNC_ID_MARK], bool *due)
{
    char *last = NULL;
    uint64_t now = dnasync_env_now(ctx->env);
    int rc = dnasync_cache_meta_get(ctx->cache, ID_PUBLISHED, &last);
    if (rc != 0 && rc != DNASYNC_ENOTFOUND)
        return sync_cache_fail(ctx);
    snprintf(mark, SYNC_ID_MARK, "%s", last ? last : "");
    uint64_t at = last ? strtoull(last, NULL, 10) : 0;
    free(last);
    *due = !(at && now >= at && now - at < 7u * DNASYNC_DAY_S);
    return DNASYNC_OK;
}

/* Only the transport is touched off the caller's thread (every transport is thread-safe). */
static void *refresh_put(void *arg)
{
    sync_id_refresh_t *r = arg;
    r->rc = r->net->ops->put(r->net, &r->put, 1, 0, r->err);
    return NULL;
}

int sync_identity_refresh_start(sync_context_t *ctx, sync_id_refresh_t *r)
{
    memset(r, 0, sizeof *r);
    bool due = false;
    int rc = refresh_due(ctx, r->mark, &due);
    if (rc != 0 || !due)
        return rc;
    rc = identity_put(ctx, &r->put, &r->val);
    if (rc != 0) {
        free(r->val);
        r->val = NULL;
        return rc;
    }
    r->net = ctx->net;
    r->due = true;
    r->threaded = pthread_create(&r->thread, NULL, refresh_put, r) == 0;
    if (!r->threaded)
        refresh_put(r); /* no thread: here and now, as before */
    return DNASYNC_OK;
}

int sync_identity_refresh_finish(sync_context_t *ctx, sync_id_refresh_t *r)
{
    if (!r->due)
        return DNASYNC_OK;
    if (r->threaded)
        pthread_join(r->thread, NULL);
    free(r->val);
    r->due = false;
    int rc = r->rc ? dnasync_err_set(&ctx->err, r->rc, "%s", r->err) : judge_put(ctx, &r->put);
    /* A mark changed meanwhile stands: another pass recorded the record, or another process
     * forgot it (its bootstrap nodes changed) so that the next pass publishes it again. */
    char mark[SYNC_ID_MARK];
    bool due = false;
    if (rc == 0)
        rc = refresh_due(ctx, mark, &due);
    if (rc != 0 || strcmp(mark, r->mark) != 0)
        return rc;
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)dnasync_env_now(ctx->env));
    return dnasync_cache_meta_set(ctx->cache, ID_PUBLISHED, num) == 0 ? 0 : sync_cache_fail(ctx);
}

int sync_identity_refresh_locked(sync_context_t *ctx)
{
    sync_id_refresh_t r;
    int rc = sync_identity_refresh_start(ctx, &r);
    int done = sync_identity_refresh_finish(ctx, &r);
    return rc ? rc : done;
}

int sync_publish_identity(sync_context_t *ctx)
{
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    pthread_mutex_lock(&ctx->lock);
    int rc = sync_need_network(ctx);
    if (rc == 0)
        rc = sv_publish_identity(ctx);
    int seen = 0;
    for (int i = 0; rc == 0 && !seen && i < 20; i++) { /* bounded: ~10 s */
        seen = own_claim_readable(ctx);
        if (!seen)
            nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
    }
    if (rc == 0 && !seen)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                             "the identity record of '%s' was put but the network does not serve "
                             "it back",
                             ctx->identity);
    if (rc == 0) {
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)dnasync_env_now(ctx->env));
        if (dnasync_cache_meta_set(ctx->cache, ID_PUBLISHED, num) != 0)
            rc = sync_cache_fail(ctx);
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_identity_forget_published(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    int rc = dnasync_cache_meta_set(ctx->cache, ID_PUBLISHED, "0") == 0 ? 0 : sync_cache_fail(ctx);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
