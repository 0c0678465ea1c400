/* The native transport: the device runs its own OpenDHT node (src/dht) and joins the network. */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "dnasync/status.h"
#include "net/net.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct net_dht {
    dnasync_net_t base;
    dht_storage_context_t *dht; /* borrowed */
    pthread_mutex_t mu;         /* guards listeners */
    struct d_listener *listeners;
} net_dht_t;

static dht_storage_context_t *dht_of(dnasync_net_t *net)
{
    return ((net_dht_t *)net)->dht;
}

/* Confirmed puts go through dht_put_batch; best-effort ones (the doorbells) all at once through
 * dht_put_each, none waiting for another's answer. */
static int d_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    dht_put_item_t *it = calloc(n ? n : 1, sizeof *it);
    if (!it) {
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
    }
    bool best_effort = flags & DNASYNC_NET_PUT_BEST_EFFORT;
    for (size_t i = 0; i < n; i++) {
        memcpy(it[i].key, items[i].key, sizeof it[i].key);
        it[i].value = items[i].val;
        it[i].len = items[i].len;
        it[i].type = dht_type_of_kind(items[i].kind);
        if (!it[i].type && !best_effort) {
            free(it);
            return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_EINVAL,
                                   "value kind %d has no DHT type", items[i].kind);
        }
        it[i].id = items[i].vid;
        it[i].created = (uint64_t)items[i].created;
    }
    /* a best-effort item of an unknown kind has type 0, which dht_put_each refuses */
    int rc = n == 0        ? 0
             : best_effort ? dht_put_each(dht_of(net), it, n)
                           : dht_put_batch(dht_of(net), it, n);
    for (size_t i = 0; i < n; i++)
        items[i].ok = rc >= 0 && it[i].status == 0;
    free(it);
    if (best_effort)
        return DNASYNC_OK;
    return rc < 0 ? dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "put",
                                    dht_storage_errmsg(dht_of(net)))
                  : DNASYNC_OK;
}

/* dht_raw_value_t -> dnasync_net_value_t, taking the payloads over. */
static int convert(dht_raw_value_t *raw, size_t count, dnasync_net_value_t **out, size_t *n,
                   char *err)
{
    *out = NULL;
    *n = 0;
    if (count == 0) {
        dht_raw_values_free(raw, count);
        return DNASYNC_OK;
    }
    dnasync_net_value_t *v = calloc(count, sizeof *v);
    if (!v) {
        dht_raw_values_free(raw, count);
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        v[i].id = raw[i].id;
        v[i].data = raw[i].data;
        v[i].len = raw[i].len;
        raw[i].data = NULL;
    }
    dht_raw_values_free(raw, count);
    *out = v;
    *n = count;
    return DNASYNC_OK;
}

static int d_get(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    int rc = dht_get(dht_of(net), key, &raw, &n);
    if (rc != 0)
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "get",
                               dht_storage_errmsg(dht_of(net)));
    return convert(raw, n, out, count, err);
}

/* The node's first answer, handed on in this layer's type (d_get_first). */
typedef struct d_first {
    void (*cb)(void *user, dnasync_net_value_t *vals, size_t count);
    void *user;
} d_first_t;

static void on_first(void *user, dht_raw_value_t *raw, size_t n)
{
    const d_first_t *f = user;
    dnasync_net_value_t *v = NULL;
    size_t k = 0;
    char err[DNASYNC_NET_ERR_MAX];
    if (convert(raw, n, &v, &k, err) == 0 && k > 0)
        f->cb(f->user, v, k);
}

static int d_get_first(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                       void (*first)(void *user, dnasync_net_value_t *vals, size_t count),
                       void *user, dnasync_net_value_t **out, size_t *count,
                       char err[DNASYNC_NET_ERR_MAX])
{
    d_first_t f = {first, user};
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    int rc = dht_get_first(dht_of(net), key, on_first, &f, &raw, &n);
    if (rc != 0)
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "get",
                               dht_storage_errmsg(dht_of(net)));
    return convert(raw, n, out, count, err);
}

static int d_list_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                      size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    int rc = dht_list_ids(dht_of(net), key, ids, count);
    return rc != 0 ? dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "list",
                                     dht_storage_errmsg(dht_of(net)))
                   : DNASYNC_OK;
}

static int d_get_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    int rc = dht_get_by_ids(dht_of(net), key, ids, n_ids, &raw, &n);
    if (rc != 0)
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "get by id",
                               dht_storage_errmsg(dht_of(net)));
    return convert(raw, n, out, count, err);
}

/* One listen: the engine's callback and its user, freed by cancel once dht_listen_cancel
 * guarantees no callback runs any more. */
typedef struct d_listener {
    dnasync_net_listen_cb cb;
    void *user;
    uint64_t token;
    struct d_listener *next;
} d_listener_t;

static void on_value(void *user, const dht_raw_value_t *value, int expired)
{
    const d_listener_t *l = user;
    l->cb(l->user, value->id, value->data, value->len, expired);
}

static int d_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    net_dht_t *d = (net_dht_t *)net;
    d_listener_t *l = calloc(1, sizeof *l);
    if (!l) {
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
    }
    l->cb = cb;
    l->user = user;
    int rc = dht_listen(d->dht, key, on_value, l, &l->token);
    if (rc != 0) {
        free(l);
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "DHT %s: %s", "listen",
                               dht_storage_errmsg(dht_of(net)));
    }
    pthread_mutex_lock(&d->mu);
    l->next = d->listeners;
    d->listeners = l;
    pthread_mutex_unlock(&d->mu);
    *token = l->token;
    return DNASYNC_OK;
}

static void d_cancel(dnasync_net_t *net, uint64_t token)
{
    net_dht_t *d = (net_dht_t *)net;
    dht_listen_cancel(d->dht, token);
    pthread_mutex_lock(&d->mu);
    d_listener_t *l = NULL;
    for (d_listener_t **p = &d->listeners; *p; p = &(*p)->next)
        if ((*p)->token == token) {
            l = *p;
            *p = l->next;
            break;
        }
    pthread_mutex_unlock(&d->mu);
    free(l);
}

static int d_listen_alive(dnasync_net_t *net, uint64_t token)
{
    return dht_listen_alive(((net_dht_t *)net)->dht, token);
}

static int d_stats(dnasync_net_t *net, dnasync_net_stats_t *out)
{
    memset(out, 0, sizeof *out);
    dht_storage_stats_t st;
    int rc = dht_storage_stats(dht_of(net), &st);
    if (rc != 0)
        return rc;
    out->requests = st.sent_find + st.sent_get + st.sent_put + st.sent_listen + st.sent_ping;
    out->peers = st.nodes;
    snprintf(out->endpoint, sizeof out->endpoint, "dht");
    return DNASYNC_OK;
}

static int d_nodes(dnasync_net_t *net, char *buf, size_t len, uint32_t *count)
{
    return dht_storage_nodes(dht_of(net), buf, len, count);
}

static void d_retry_nodes(dnasync_net_t *net)
{
    dht_storage_retry_nodes(dht_of(net));
}

static void d_free(dnasync_net_t *net)
{
    net_dht_t *d = (net_dht_t *)net;
    while (d->listeners)
        d_cancel(net, d->listeners->token);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

static void d_warm(dnasync_net_t *net, const uint8_t (*keys)[DNASYNC_DHT_KEY_BYTES], size_t n)
{
    dht_storage_warm_keys(dht_of(net), keys, n);
}

static const dnasync_net_ops_t dht_ops = {
    .put = d_put,
    .get = d_get,
    .get_first = d_get_first,
    .list_ids = d_list_ids,
    .get_ids = d_get_ids,
    .listen = d_listen,
    .listen_alive = d_listen_alive,
    .cancel = d_cancel,
    .stats = d_stats,
    .nodes = d_nodes,
    .warm = d_warm,
    .retry_nodes = d_retry_nodes,
    .free = d_free,
};

int dnasync_net_dht_new(dht_storage_context_t *dht, dnasync_net_t **out)
{
    *out = NULL;
    net_dht_t *d = dht ? calloc(1, sizeof *d) : NULL;
    if (!d)
        return dht ? DNASYNC_ENOMEM : DNASYNC_EINVAL;
    d->base.ops = &dht_ops;
    d->dht = dht;
    pthread_mutex_init(&d->mu, NULL);
    *out = &d->base;
    return DNASYNC_OK;
}
