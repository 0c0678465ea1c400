#define _POSIX_C_SOURCE 200809L
#include "fault_net.h"

#include "common/err.h"
#include "dht/dht_codec.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fault_net_t *of(dnasync_net_t *net)
{
    return (fault_net_t *)net;
}

static int f_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    fault_net_t *f = of(net);
    pthread_mutex_lock(&f->mu);
    int fail_kind = f->fail_kind;
    pthread_mutex_unlock(&f->mu);
    for (size_t i = 0; i < n; i++) {
        if (f->on_put)
            f->on_put(f->on_put_user, &items[i]);
        if (fail_kind && items[i].kind == fail_kind) {
            snprintf(err, DNASYNC_NET_ERR_MAX, "test: no node answered the put");
            return DNASYNC_ETIMEOUT;
        }
    }
    int rc = f->inner->ops->put(f->inner, items, n, flags, err);
    pthread_mutex_lock(&f->mu);
    f->counts.puts += n;
    if (flags & DNASYNC_NET_PUT_BEST_EFFORT)
        f->counts.bell_calls++;
    else
        f->counts.put_calls++;
    bool crash = f->crash_after_put;
    pthread_mutex_unlock(&f->mu);
    for (size_t i = 0; crash && rc == 0 && i < n; i++)
        if (items[i].ok &&
            (items[i].kind == DHT_KIND_MESSAGE || items[i].kind == DHT_KIND_BUNDLE_MESSAGE))
            raise(SIGKILL); /* the worst moment: stored, not yet marked synced */
    return rc;
}

/* Under mu: the id hidden on key while reads still lose it, or 0. */
static uint64_t hidden_on(const fault_net_t *f, const uint8_t *key)
{
    return f->drop_reads && memcmp(f->hidden_key, key, DNASYNC_DHT_KEY_BYTES) == 0 ? f->hidden_id
                                                                                   : 0;
}

/* Under mu: take id out of vals[0..*count) (one read lost it). */
static void lose_value(fault_net_t *f, dnasync_net_value_t *vals, size_t *count, uint64_t id)
{
    for (size_t i = 0; i < *count; i++)
        if (vals[i].id == id) {
            free(vals[i].data);
            vals[i] = vals[--*count];
            f->drop_reads--;
            return;
        }
}

static int f_get(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    fault_net_t *f = of(net);
    int rc = f->inner->ops->get(f->inner, key, out, count, err);
    pthread_mutex_lock(&f->mu);
    f->counts.gets++;
    uint64_t hide = hidden_on(f, key);
    if (rc == 0 && hide)
        lose_value(f, *out, count, hide);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int f_list_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                      size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    fault_net_t *f = of(net);
    int rc = f->inner->ops->list_ids(f->inner, key, ids, count, err);
    pthread_mutex_lock(&f->mu);
    f->counts.lists++;
    if (rc == 0 && *count > 0 && f->drop_reads > 0 && !f->hidden_id) {
        memcpy(f->hidden_key, key, DNASYNC_DHT_KEY_BYTES);
        f->hidden_id = (*ids)[*count - 1];
    }
    uint64_t hide = hidden_on(f, key);
    for (size_t i = 0; rc == 0 && hide && i < *count; i++)
        if ((*ids)[i] == hide) {
            (*ids)[i] = (*ids)[--*count];
            f->drop_reads--;
            break;
        }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int f_get_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    fault_net_t *f = of(net);
    pthread_mutex_lock(&f->mu);
    f->counts.get_ids++;
    f->counts.ids_asked += n_ids;
    pthread_mutex_unlock(&f->mu);
    return f->inner->ops->get_ids(f->inner, key, ids, n_ids, out, count, err);
}

static void on_listen(void *user, uint64_t id, const uint8_t *val, size_t len, int expired)
{
    fault_listen_t *l = user;
    pthread_mutex_lock(&l->f->mu);
    bool deaf = l->deaf;
    pthread_mutex_unlock(&l->f->mu);
    if (!deaf)
        l->cb(l->user, id, val, len, expired);
}

static int f_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    fault_net_t *f = of(net);
    fault_listen_t *l = NULL;
    pthread_mutex_lock(&f->mu);
    f->listen_calls++;
    for (size_t i = 0; !l && i < FAULT_NET_LISTENS; i++)
        if (!f->listens[i].cb)
            l = &f->listens[i];
    if (l)
        *l = (fault_listen_t){.f = f, .cb = cb, .user = user};
    pthread_mutex_unlock(&f->mu);
    if (!l)
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ERR,
                               "fault_net: too many listens");
    int rc = f->inner->ops->listen(f->inner, key, on_listen, l, token, err);
    pthread_mutex_lock(&f->mu);
    if (rc == 0)
        l->token = *token;
    else
        l->cb = NULL;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

/* Under mu: the slot of an inner token, or NULL. */
static fault_listen_t *slot_of(fault_net_t *f, uint64_t token)
{
    for (size_t i = 0; i < FAULT_NET_LISTENS; i++)
        if (f->listens[i].cb && f->listens[i].token == token)
            return &f->listens[i];
    return NULL;
}

static void f_cancel(dnasync_net_t *net, uint64_t token)
{
    fault_net_t *f = of(net);
    f->inner->ops->cancel(f->inner, token); /* no callback runs after this */
    pthread_mutex_lock(&f->mu);
    fault_listen_t *l = slot_of(f, token);
    if (l)
        l->cb = NULL;
    pthread_mutex_unlock(&f->mu);
}

static int f_listen_alive(dnasync_net_t *net, uint64_t token)
{
    fault_net_t *f = of(net);
    pthread_mutex_lock(&f->mu);
    const fault_listen_t *l = slot_of(f, token);
    int alive = l && !l->deaf;
    pthread_mutex_unlock(&f->mu);
    return alive;
}

static int f_stats(dnasync_net_t *net, dnasync_net_stats_t *out)
{
    fault_net_t *f = of(net);
    return f->inner->ops->stats(f->inner, out);
}

/* The test owns the struct (fault_net_destroy); freeing through the table only detaches. */
static void f_free(dnasync_net_t *net)
{
    (void)net;
}

static const dnasync_net_ops_t fault_ops = {
    .put = f_put,
    .get = f_get,
    .list_ids = f_list_ids,
    .get_ids = f_get_ids,
    .listen = f_listen,
    .cancel = f_cancel,
    .listen_alive = f_listen_alive,
    .stats = f_stats,
    .free = f_free,
};

void fault_net_init(fault_net_t *f, dnasync_net_t *inner)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fault_ops;
    f->inner = inner;
    pthread_mutex_init(&f->mu, NULL);
}

void fault_net_destroy(fault_net_t *f)
{
    pthread_mutex_destroy(&f->mu);
}

fault_net_counts_t fault_net_counts(fault_net_t *f)
{
    pthread_mutex_lock(&f->mu);
    fault_net_counts_t c = f->counts;
    pthread_mutex_unlock(&f->mu);
    return c;
}

void fault_net_deafen(fault_net_t *f)
{
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < FAULT_NET_LISTENS; i++)
        f->listens[i].deaf = f->listens[i].cb != NULL;
    pthread_mutex_unlock(&f->mu);
}
