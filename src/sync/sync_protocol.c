/* The public front (dnasync/sync_protocol.h): context life cycle, settings, status, send and
 * open, and the local (cache-only) operations. The engine's steps live in the other files. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_context.h"

#include "common/cond.h"
#include "common/names.h"
#include "crypto/envelope.h"
#include "dnasync/identity.h"
#include "net/net.h"
#include "sync/contacts.h"
#include "sync/sync_days.h"
#include "sync/sync_identity.h"
#include "sync/sync_scheduler.h"
#include "sync/sync_seal.h"
#include "sync/sync_upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cache skipped a row it cannot read (called inside a cache call, ctx->lock held; must not
 * call the cache). Remembered once per message id, for sync_get_damaged. */
static void on_damaged(void *user, const char *message_id, const char *reason)
{
    sync_context_t *ctx = user;
    sync_damaged_t *d = NULL;
    for (size_t i = 0; i < ctx->n_damaged && !d; i++)
        if (strcmp(ctx->damaged[i].message_id, message_id) == 0)
            d = &ctx->damaged[i];
    if (!d) {
        if (ctx->n_damaged == ctx->cap_damaged) {
            size_t cap = ctx->cap_damaged ? 2 * ctx->cap_damaged : 4;
            sync_damaged_t *p = realloc(ctx->damaged, cap * sizeof *p);
            if (!p)
                return; /* still counted by the cache and in damaged_rows */
            ctx->damaged = p;
            ctx->cap_damaged = cap;
        }
        d = &ctx->damaged[ctx->n_damaged++];
        snprintf(d->message_id, sizeof d->message_id, "%s", message_id);
    }
    snprintf(d->reason, sizeof d->reason, "%s", reason);
}

sync_context_t *sync_init(sqlite3 *db, dht_storage_context_t *dht_ctx, const char *identity,
                          const dnasync_env_t *env)
{
    dnasync_net_t *net = NULL;
    if (dht_ctx && dnasync_net_dht_new(dht_ctx, &net) != 0) {
        dnasync_err_set(NULL, DNASYNC_ENOMEM, "sync: out of memory");
        return NULL;
    }
    sync_context_t *ctx = sync_init_net(db, net, identity, env);
    if (ctx)
        ctx->own_net = net;
    else
        dnasync_net_free(net);
    return ctx;
}

sync_context_t *sync_init_net(sqlite3 *db, dnasync_net_t *net, const char *identity,
                              const dnasync_env_t *env)
{
    char why[256];
    if (!db || !identity) {
        dnasync_err_set(NULL, DNASYNC_EINVAL, "sync: no database or identity name given");
        return NULL;
    }
    if (dnasync_name_check(identity, why, sizeof why) != 0) {
        dnasync_err_set(NULL, DNASYNC_EINVAL, "sync: invalid identity name: %s", why);
        return NULL;
    }
    sync_context_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        dnasync_err_set(NULL, DNASYNC_ENOMEM, "sync: out of memory");
        return NULL;
    }
    if (dnasync_cache_wrap(db, &ctx->cache) != 0) { /* the reason is the thread's last error */
        free(ctx);
        return NULL;
    }
    pthread_mutex_init(&ctx->lock, NULL);
    dnasync_cond_init(&ctx->download_cv);
    pthread_mutex_init(&ctx->err_mu, NULL);
    ctx->err.guard = &ctx->err_mu;
    pthread_mutex_init(&ctx->wake_mu, NULL);
    dnasync_cond_init(&ctx->wake_cond);
    ctx->listen_day = -1;
    ctx->net = net;
    ctx->env = env ? env : dnasync_env_default();
    strcpy(ctx->identity, identity);
    ctx->profile = SYNC_PROFILE_DESKTOP;
    ctx->interval_s = SYNC_DEFAULT_INTERVAL_S;
    ctx->jitter_s = SYNC_DEFAULT_INTERVAL_S / 10;
    if (dnasync_cache_set_self(ctx->cache, identity) != 0) {
        sync_free(ctx);
        return NULL;
    }
    sync_saved_counts_load(ctx);
    dnasync_cache_set_damaged_callback(ctx->cache, on_damaged, ctx);
    return ctx;
}

int sync_get_damaged(sync_context_t *ctx, sync_damaged_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&ctx->lock);
    int rc = DNASYNC_OK;
    if (ctx->n_damaged > 0) {
        *out = malloc(ctx->n_damaged * sizeof **out);
        if (*out) {
            memcpy(*out, ctx->damaged, ctx->n_damaged * sizeof **out);
            *count = ctx->n_damaged;
        } else {
            rc = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

void sync_free(sync_context_t *ctx)
{
    if (!ctx)
        return;
    sync_disable_realtime(ctx);
    sync_background_stop(ctx);
    dnasync_cache_free(ctx->cache);
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->download_cv);
    pthread_mutex_destroy(&ctx->err_mu);
    pthread_mutex_destroy(&ctx->wake_mu);
    pthread_cond_destroy(&ctx->wake_cond);
    free(ctx->events);
    free(ctx->damaged);
    free(ctx->home);
    dnasync_net_free(ctx->own_net);
    free(ctx);
}

const char *sync_errmsg(const sync_context_t *ctx)
{
    if (!ctx)
        return "no sync context";
    const char *mine = dnasync_err_mine(&ctx->err);
    return mine ? mine : dnasync_err_copy(&ctx->err);
}

int sync_set_identity(sync_context_t *ctx, const dnasync_identity_t *id, const char *device_id)
{
    if (!id || !device_id || strlen(device_id) != DNASYNC_DEVICE_ID_LEN)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL,
                               "identity and a 32-char device id needed");
    pthread_mutex_lock(&ctx->lock);
    ctx->id = id;
    strcpy(ctx->device_id, device_id);
    /* Creates the sync_state row (its pending_uploads is kept by the cache's triggers). */
    int rc = dnasync_cache_state_set_pending_downloads(ctx->cache, device_id, 0);
    if (rc != 0)
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_set_home(sync_context_t *ctx, const char *home)
{
    char *copy = strdup(home);
    if (!copy)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    pthread_mutex_lock(&ctx->lock);
    free(ctx->home);
    ctx->home = copy;
    pthread_mutex_unlock(&ctx->lock);
    return DNASYNC_OK;
}

int sync_set_profile(sync_context_t *ctx, sync_profile_t profile)
{
    if (profile != SYNC_PROFILE_DESKTOP && profile != SYNC_PROFILE_MOBILE)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "unknown profile %d", (int)profile);
    pthread_mutex_lock(&ctx->lock);
    ctx->profile = profile;
    pthread_mutex_unlock(&ctx->lock);
    return DNASYNC_OK;
}

int sync_set_interval(sync_context_t *ctx, uint32_t seconds, uint32_t jitter_seconds)
{
    if (seconds == 0 || jitter_seconds >= seconds)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL,
                               "interval must be > 0 and jitter smaller than the interval");
    pthread_mutex_lock(&ctx->lock);
    ctx->interval_s = seconds;
    ctx->jitter_s = jitter_seconds;
    pthread_mutex_unlock(&ctx->lock);
    return DNASYNC_OK;
}

void sync_set_event_callback(sync_context_t *ctx, sync_event_cb cb, void *user)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->event_cb = cb;
    ctx->event_user = user;
    pthread_mutex_unlock(&ctx->lock);
}

int sync_get_status(sync_context_t *ctx, sync_status_t *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&ctx->lock);
    dnasync_sync_state_t row;
    int rc =
        dnasync_cache_state_get(ctx->cache, ctx->device_id[0] ? ctx->device_id : "local", &row);
    if (rc == DNASYNC_ENOTFOUND) {
        memset(&row, 0, sizeof row);
        rc = 0;
    }
    size_t pending = 0, tombs = 0, total = 0;
    if (rc == 0)
        rc = dnasync_cache_pending_count(ctx->cache, &pending);
    if (rc == 0)
        rc = dnasync_cache_tombstones_pending_count(ctx->cache, &tombs);
    if (rc == 0)
        rc = dnasync_cache_message_count(ctx->cache, &total);
    if (rc != 0) {
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    } else {
        st->last_upload_time = (uint64_t)row.last_upload_time;
        st->last_download_time = (uint64_t)row.last_download_time;
        st->pending_uploads = pending;
        st->pending_downloads = ctx->pending_downloads;
        st->realtime_enabled = sync_realtime_active(ctx);
        st->pending_tombstones = tombs;
        st->messages = total;
        st->rejected_values = ctx->rejected_saved + ctx->rejected;
        st->damaged_rows = ctx->damaged_rows;
        rc = sync_days_summary(ctx, &st->verified_days, &st->window_days,
                               &st->oldest_unverified_expiry);
    }
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_list_messages(sync_context_t *ctx, const char *conversation_id, size_t limit,
                       message_info_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&ctx->lock);
    int rc = dnasync_cache_list(ctx->cache, conversation_id, NULL, limit, 0, out, count);
    if (rc != 0)
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

void sync_free_messages(message_info_t *msgs, size_t count)
{
    dnasync_cache_free_messages(msgs, count);
}

int sync_set_share_read_receipts(sync_context_t *ctx, bool share)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->share_read_receipts = share;
    pthread_mutex_unlock(&ctx->lock);
    return DNASYNC_OK;
}

int sync_prune_old_messages(sync_context_t *ctx, uint32_t days)
{
    if (days == 0)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "prune needs at least 1 day");
    pthread_mutex_lock(&ctx->lock);
    int64_t cutoff = (int64_t)dnasync_env_now(ctx->env) - (int64_t)days * DNASYNC_DAY_S;
    size_t deleted = 0;
    int rc = dnasync_cache_prune(ctx->cache, cutoff, &deleted);
    if (rc != 0)
        dnasync_err_set(&ctx->err, rc, "%s", dnasync_cache_errmsg(ctx->cache));
    pthread_mutex_unlock(&ctx->lock);
    return rc != 0 ? rc : (int)deleted;
}

int sync_send(sync_context_t *ctx, const char *recipient, const uint8_t *text, size_t text_len,
              char message_id_out[DNASYNC_ID_HEX_LEN + 1])
{
    char bare[DNASYNC_NAME_MAX + 1];
    if (recipient && strchr(recipient, '#')) { /* "carol#8af99795": pin that key first */
        int prc = sync_contact_pin(ctx, recipient, bare);
        if (prc != 0)
            return prc;
        recipient = bare;
    }
    int rc = sync_check_names(ctx, ctx->identity, recipient);
    if (rc != 0)
        return rc;
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    pthread_mutex_lock(&ctx->lock);
    message_info_t msg;
    memset(&msg, 0, sizeof msg);
    uint8_t *their = NULL;
    const uint8_t *eks[2] = {ctx->id->kem_ek, NULL};
    size_t n_eks = 1;
    if (ctx->net)
        sync_identity_refresh_locked(ctx); /* so the recipient can check who wrote this */
    if (strcmp(recipient, ctx->identity) != 0) {
        rc = sv_resolve_kem_key(ctx, recipient, &their);
        eks[n_eks++] = their;
        /* a key that is not pinned comes from the network: without peers nobody was asked,
         * which is the reason to give, not a missing identity */
        if (rc != 0 && ctx->net && sync_need_network(ctx) != 0) {
            char why[sizeof ctx->err.msg];
            snprintf(why, sizeof why, "%s", sync_errmsg(ctx));
            rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "cannot look up the key of '%s': %s",
                                 recipient, why);
        }
    }
    if (rc == 0)
        rc = sync_seal_message(ctx, ctx->identity, recipient, (int64_t)dnasync_env_now(ctx->env),
                               text, text_len, eks, n_eks, &msg);
    int inserted = 0;
    if (rc == 0 && dnasync_cache_insert(ctx->cache, &msg, &inserted) != 0)
        rc = sync_cache_fail(ctx);
    if (rc == 0) {
        memcpy(message_id_out, msg.message_id, sizeof msg.message_id);
        /* Stored and pending: a failed upload is retried by the next pass. A home that knows
         * no other node cannot send at all, which the caller must hear (stored all the same). */
        if (ctx->net && sync_need_network(ctx) != 0) {
            rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "message %s stored, not sent: %s",
                                 msg.message_id, dnasync_last_error());
        } else {
            sync_upload_pending_locked(ctx, NULL);
        }
    }
    free(their);
    message_info_clear(&msg);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_open_message(sync_context_t *ctx, const message_info_t *msg, char **text_out,
                      size_t *text_len)
{
    *text_out = NULL;
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    uint8_t *aad = NULL, *body = NULL;
    size_t aad_len = 0, body_len = 0;
    char why[256] = "";
    int rc = sync_message_aad(msg->sender, msg->recipient, msg->created_at, &aad, &aad_len);
    if (rc == 0)
        rc = dnasync_envelope_open(ctx->id->kem_dk, ctx->id->kem_ek, aad, aad_len, msg->ciphertext,
                                   msg->ciphertext_len, &body, &body_len, why, sizeof why);
    free(aad);
    if (rc != 0)
        return dnasync_err_set(&ctx->err, rc, "message %.16s...: %s", msg->message_id,
                               why[0] ? why : dnasync_strerror(rc));
    char *text = malloc(body_len + 1);
    if (!text) {
        free(body);
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    }
    memcpy(text, body, body_len);
    text[body_len] = '\0';
    free(body);
    *text_out = text;
    if (text_len)
        *text_len = body_len;
    return DNASYNC_OK;
}

int sync_pass(sync_context_t *ctx, size_t *uploaded, size_t *downloaded, size_t *deleted)
{
    pthread_mutex_lock(&ctx->lock);
    int rc = sync_pass_locked(ctx, uploaded, downloaded, deleted);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc;
}

int sync_get_message(sync_context_t *ctx, const char *message_id, message_info_t *out)
{
    pthread_mutex_lock(&ctx->lock);
    int rc = dnasync_cache_get(ctx->cache, message_id, out);
    if (rc == DNASYNC_ENOTFOUND)
        dnasync_err_set(&ctx->err, rc, "no message %s in the cache", message_id);
    else if (rc != 0)
        sync_cache_fail(ctx);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}
