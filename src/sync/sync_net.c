/* The engine's network calls, through the context's transport (net/net.h). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_net.h"

#include "common/cond.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int net_fail(sync_context_t *ctx, int rc, const char *err)
{
    return dnasync_err_set(&ctx->err, rc, "%s", err);
}

int net_put_many(sync_context_t *ctx, net_put_t *items, size_t n)
{
    if (n == 0)
        return DNASYNC_OK;
    char err[DNASYNC_NET_ERR_MAX] = "";
    int rc = ctx->net->ops->put(ctx->net, items, n, 0, err);
    return rc != 0 ? net_fail(ctx, rc, err) : DNASYNC_OK;
}

static int deliver(dnasync_net_value_t *vals, size_t count, net_value_cb cb, void *user)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = cb(user, vals[i].id, vals[i].data, vals[i].len);
    dnasync_net_values_free(vals, count);
    return rc;
}

int net_get(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], net_value_cb cb,
            void *user)
{
    dnasync_net_value_t *vals = NULL;
    size_t count = 0;
    char err[DNASYNC_NET_ERR_MAX] = "";
    int rc = ctx->net->ops->get(ctx->net, key, &vals, &count, err);
    if (rc != 0)
        return net_fail(ctx, rc, err);
    return deliver(vals, count, cb, user);
}

int net_list_ids(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                 size_t *n)
{
    char err[DNASYNC_NET_ERR_MAX] = "";
    int rc = ctx->net->ops->list_ids(ctx->net, key, ids, n, err);
    return rc != 0 ? net_fail(ctx, rc, err) : DNASYNC_OK;
}

int net_get_ids(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                size_t n, net_value_cb cb, void *user)
{
    dnasync_net_value_t *vals = NULL;
    size_t count = 0;
    char err[DNASYNC_NET_ERR_MAX] = "";
    int rc = ctx->net->ops->get_ids(ctx->net, key, ids, n, &vals, &count, err);
    if (rc != 0)
        return net_fail(ctx, rc, err);
    return deliver(vals, count, cb, user);
}

/* One thread per open day of the window: a get of an empty or half-reachable key waits for
 * slow or dead nodes (~1.1 s each, measured), so 31 summary reads 9 at a time took ~4.8 s of a
 * 10,000-message catch-up and all at once ~1.3 s. The threads only wait on the DHT transport, so
 * a small stack does. */
#define NET_THREADS (SYNC_WINDOW_DAYS + 1)
#define NET_STACK (256 * 1024)

typedef struct multi_job {
    sync_context_t *ctx;
    net_multi_t *items;
    net_multi_t *firsts; /* with a first look: each item's first answer (vals NULL: none yet) */
    size_t n, next, ended;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} multi_job_t;

typedef struct first_slot {
    multi_job_t *job;
    size_t i;
} first_slot_t;

/* On a transport thread: keep the answer for the thread that looks (net_get_many). */
static void on_first(void *user, dnasync_net_value_t *vals, size_t count)
{
    const first_slot_t *f = user;
    multi_job_t *job = f->job;
    pthread_mutex_lock(&job->mu);
    job->firsts[f->i].vals = vals;
    job->firsts[f->i].count = count;
    pthread_cond_broadcast(&job->cv);
    pthread_mutex_unlock(&job->mu);
}

static void *multi_worker(void *arg)
{
    multi_job_t *job = arg;
    dnasync_net_t *net = job->ctx->net;
    for (;;) {
        pthread_mutex_lock(&job->mu);
        size_t i = job->next < job->n ? job->next++ : job->n;
        pthread_mutex_unlock(&job->mu);
        if (i == job->n)
            return NULL;
        net_multi_t *it = &job->items[i];
        char err[DNASYNC_NET_ERR_MAX];
        first_slot_t f = {job, i};
        it->rc = job->firsts
                     ? net->ops->get_first(net, it->key, on_first, &f, &it->vals, &it->count, err)
                     : net->ops->get(net, it->key, &it->vals, &it->count, err);
        pthread_mutex_lock(&job->mu);
        job->ended++;
        pthread_cond_broadcast(&job->cv);
        pthread_mutex_unlock(&job->mu);
    }
}

/* The looking thread: each first answer to look() as it comes, until every read has ended
 * (each is bounded by the transport's timeout; the slices only keep this wait bounded too). */
static void look_loop(multi_job_t *job, net_first_cb look, void *user)
{
    pthread_mutex_lock(&job->mu);
    for (;;) {
        size_t i = 0;
        while (i < job->n && !job->firsts[i].vals)
            i++;
        if (i < job->n) { /* each item has at most one first answer */
            net_multi_t view = job->firsts[i];
            job->firsts[i].vals = NULL;
            pthread_mutex_unlock(&job->mu);
            view.rc = 0;
            look(user, i, &view);
            dnasync_net_values_free(view.vals, view.count);
            pthread_mutex_lock(&job->mu);
            continue;
        }
        if (job->ended == job->n)
            break;
        struct timespec ts;
        dnasync_deadline_ms(&ts, 1000);
        pthread_cond_timedwait(&job->cv, &job->mu, &ts);
    }
    pthread_mutex_unlock(&job->mu);
}

void net_get_many(sync_context_t *ctx, net_multi_t *items, size_t n, net_first_cb look, void *user)
{
    if (ctx->net->ops->get_many) {
        ctx->net->ops->get_many(ctx->net, items, n); /* the transport batches them itself */
        return;
    }
    multi_job_t job = {.ctx = ctx, .items = items, .n = n};
    if (look && ctx->net->ops->get_first && n > 0 && n <= NET_THREADS)
        job.firsts = calloc(n, sizeof *job.firsts); /* out of memory: no first look */
    pthread_mutex_init(&job.mu, NULL);
    dnasync_cond_init(&job.cv);
    pthread_t th[NET_THREADS];
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        (void)pthread_attr_setstacksize(&attr, NET_STACK);
    /* with a first look this thread looks and every read has a thread of its own */
    size_t helpers = job.firsts ? n : n - (n > 0), started = 0;
    for (; started < helpers && started < NET_THREADS; started++)
        if (pthread_create(&th[started], attr_ok ? &attr : NULL, multi_worker, &job) != 0)
            break;
    if (attr_ok)
        pthread_attr_destroy(&attr);
    if (job.firsts && started > 0)
        look_loop(&job, look, user);
    multi_worker(&job); /* whatever no helper took (all of it when none started) */
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; job.firsts && i < n; i++) /* first answers that came too late to matter */
        dnasync_net_values_free(job.firsts[i].vals, job.firsts[i].count);
    free(job.firsts);
    pthread_cond_destroy(&job.cv);
    pthread_mutex_destroy(&job.mu);
}

int net_multi_each(const net_multi_t *item, size_t start, net_value_cb cb, void *user)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < item->count; k++) {
        const dnasync_net_value_t *v = &item->vals[(start + k) % item->count];
        rc = cb(user, v->id, v->data, v->len);
    }
    return rc;
}

void net_multi_free(net_multi_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dnasync_net_values_free(items[i].vals, items[i].count);
        items[i].vals = NULL;
        items[i].count = 0;
    }
}

void net_ring(sync_context_t *ctx, net_put_t *bells, size_t n)
{
    char err[DNASYNC_NET_ERR_MAX];
    (void)ctx->net->ops->put(ctx->net, bells, n, DNASYNC_NET_PUT_BEST_EFFORT, err);
}

void net_warm(sync_context_t *ctx, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES], size_t n)
{
    if (n > 0 && ctx->net->ops->warm)
        ctx->net->ops->warm(ctx->net, keys, n);
}

int net_listen(sync_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
               dnasync_net_listen_cb cb, void *user, void **token)
{
    uint64_t t = 0;
    char err[DNASYNC_NET_ERR_MAX] = "";
    int rc = ctx->net->ops->listen(ctx->net, key, cb, user, &t, err);
    if (rc != 0)
        return net_fail(ctx, rc, err);
    *token = (void *)(uintptr_t)t;
    return DNASYNC_OK;
}

int net_listen_alive(sync_context_t *ctx, void *token)
{
    const dnasync_net_ops_t *ops = ctx->net->ops;
    return ops->listen_alive ? ops->listen_alive(ctx->net, (uint64_t)(uintptr_t)token) : 1;
}

void net_listen_cancel(sync_context_t *ctx, void *token)
{
    ctx->net->ops->cancel(ctx->net, (uint64_t)(uintptr_t)token);
}

int net_nodes(sync_context_t *ctx, char *buf, size_t len, uint32_t *count)
{
    *count = 0;
    if (len)
        buf[0] = '\0';
    if (!ctx->net || !ctx->net->ops->nodes)
        return DNASYNC_ENOTFOUND;
    return ctx->net->ops->nodes(ctx->net, buf, len, count);
}

void net_retry_nodes(sync_context_t *ctx)
{
    if (ctx->net && ctx->net->ops->retry_nodes)
        ctx->net->ops->retry_nodes(ctx->net);
}
