/* The in-memory transport: one store shared by the devices of a hermetic test, with the
 * storing nodes' lifetimes and edit rule, and listeners. No network, no threads of its own. */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "dnasync/status.h"
#include "net/net.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct m_value {
    uint64_t id;
    int kind;
    int64_t created;
    uint8_t *data;
    size_t len;
} m_value_t;

typedef struct m_key {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    m_value_t *v;
    size_t n, cap;
} m_key_t;

typedef struct m_listener {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    uint64_t token;
    dnasync_net_listen_cb cb;
    void *user;
} m_listener_t;

typedef struct net_mem {
    dnasync_net_t base;
    const dnasync_env_t *env;
    pthread_mutex_t mu; /* the store and the counters */
    m_key_t *keys;
    size_t n_keys, cap_keys;
    dnasync_net_stats_t stats;
    /* Listeners: cb_mu is held while callbacks run, so cancel returning means none runs;
     * recursive, so a callback may cancel. */
    pthread_mutex_t cb_mu;
    m_listener_t *ls;
    size_t n_ls, cap_ls;
    uint64_t next_token;
} net_mem_t;

static int oom(char *err)
{
    return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
}

static int64_t lifetime_s(int kind)
{
    int d = dht_lifetime_days(kind);
    return (d ? d : DNASYNC_DHT_TTL_IDENTITY_DAYS) * (int64_t)DNASYNC_DAY_S;
}

static bool alive(const net_mem_t *m, const m_value_t *v)
{
    return v->created + lifetime_s(v->kind) > (int64_t)dnasync_env_now(m->env);
}

static m_key_t *find_key(net_mem_t *m, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    for (size_t i = 0; i < m->n_keys; i++)
        if (memcmp(m->keys[i].key, key, DNASYNC_DHT_KEY_BYTES) == 0)
            return &m->keys[i];
    return NULL;
}

static m_key_t *add_key(net_mem_t *m, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    m_key_t *k = find_key(m, key);
    if (k)
        return k;
    if (m->n_keys == m->cap_keys) {
        size_t cap = m->cap_keys ? 2 * m->cap_keys : 64;
        m_key_t *grown = realloc(m->keys, cap * sizeof *grown);
        if (!grown)
            return NULL;
        m->keys = grown;
        m->cap_keys = cap;
    }
    k = &m->keys[m->n_keys++];
    memset(k, 0, sizeof *k);
    memcpy(k->key, key, DNASYNC_DHT_KEY_BYTES);
    return k;
}

/* 1 stored, 0 refused (as a storing node would), < 0 out of memory. */
static int store(net_mem_t *m, const dnasync_net_put_t *p)
{
    int64_t now = (int64_t)dnasync_env_now(m->env);
    int64_t created = p->created ? p->created : now;
    if (created > now + 600 || created + lifetime_s(p->kind) <= now)
        return 0; /* from the future or already expired */
    m_key_t *k = add_key(m, p->key);
    if (!k)
        return DNASYNC_ENOMEM;
    for (size_t i = 0; i < k->n; i++) {
        m_value_t *v = &k->v[i];
        if (v->id != p->vid)
            continue;
        if (v->len == p->len && memcmp(v->data, p->val, p->len) == 0)
            return 1; /* a refresh */
        if (p->kind != DHT_KIND_SUMMARY && p->kind != DHT_KIND_IDENTITY)
            return 0; /* messages, tombstones and receipts are never edited */
        uint8_t *copy = malloc(p->len ? p->len : 1);
        if (!copy)
            return DNASYNC_ENOMEM;
        memcpy(copy, p->val, p->len);
        free(v->data);
        v->data = copy;
        v->len = p->len;
        return 1;
    }
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 8;
        m_value_t *grown = realloc(k->v, cap * sizeof *grown);
        if (!grown)
            return DNASYNC_ENOMEM;
        k->v = grown;
        k->cap = cap;
    }
    m_value_t *v = &k->v[k->n];
    if (!(v->data = malloc(p->len ? p->len : 1)))
        return DNASYNC_ENOMEM;
    memcpy(v->data, p->val, p->len);
    v->len = p->len;
    v->id = p->vid;
    v->kind = p->kind;
    v->created = created;
    k->n++;
    return 1;
}

static void notify(net_mem_t *m, const dnasync_net_put_t *p)
{
    pthread_mutex_lock(&m->cb_mu);
    for (size_t i = 0; i < m->n_ls; i++)
        if (memcmp(m->ls[i].key, p->key, DNASYNC_DHT_KEY_BYTES) == 0)
            m->ls[i].cb(m->ls[i].user, p->vid, p->val, p->len, 0);
    pthread_mutex_unlock(&m->cb_mu);
}

static int m_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    (void)flags;
    net_mem_t *m = (net_mem_t *)net;
    int rc = DNASYNC_OK;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&m->mu);
        int st = store(m, &items[i]);
        m->stats.requests++;
        m->stats.bytes_out += items[i].len;
        pthread_mutex_unlock(&m->mu);
        items[i].ok = st == 1;
        if (st < 0)
            rc = oom(err);
        else if (st == 1)
            notify(m, &items[i]);
    }
    return rc;
}

/* The live values of key with one of ids (ids NULL: all), copied. Caller holds mu. */
static int collect(net_mem_t *m, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                   size_t n_ids, dnasync_net_value_t **out, size_t *count, char *err)
{
    *out = NULL;
    *count = 0;
    m->stats.requests++;
    const m_key_t *k = find_key(m, key);
    if (!k || k->n == 0)
        return DNASYNC_OK;
    dnasync_net_value_t *v = calloc(k->n, sizeof *v);
    if (!v)
        return oom(err);
    size_t n = 0;
    for (size_t i = 0; i < k->n; i++) {
        bool wanted = ids == NULL;
        for (size_t j = 0; !wanted && j < n_ids; j++)
            wanted = ids[j] == k->v[i].id;
        if (!wanted || !alive(m, &k->v[i]))
            continue;
        if (!(v[n].data = malloc(k->v[i].len ? k->v[i].len : 1))) {
            dnasync_net_values_free(v, n);
            return oom(err);
        }
        memcpy(v[n].data, k->v[i].data, k->v[i].len);
        v[n].len = k->v[i].len;
        v[n].id = k->v[i].id;
        m->stats.bytes_in += v[n].len;
        n++;
    }
    *out = v;
    *count = n;
    return DNASYNC_OK;
}

static int m_get(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    net_mem_t *m = (net_mem_t *)net;
    pthread_mutex_lock(&m->mu);
    int rc = collect(m, key, NULL, 0, out, count, err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int m_get_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    net_mem_t *m = (net_mem_t *)net;
    pthread_mutex_lock(&m->mu);
    int rc = collect(m, key, ids, n_ids, out, count, err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int m_list_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                      size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    net_mem_t *m = (net_mem_t *)net;
    *ids = NULL;
    *count = 0;
    pthread_mutex_lock(&m->mu);
    m->stats.requests++;
    const m_key_t *k = find_key(m, key);
    int rc = DNASYNC_OK;
    if (k && k->n > 0) {
        if (!(*ids = malloc(k->n * sizeof **ids)))
            rc = oom(err);
        for (size_t i = 0; rc == 0 && i < k->n; i++)
            if (alive(m, &k->v[i]))
                (*ids)[(*count)++] = k->v[i].id;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int m_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    net_mem_t *m = (net_mem_t *)net;
    pthread_mutex_lock(&m->cb_mu);
    if (m->n_ls == m->cap_ls) {
        size_t cap = m->cap_ls ? 2 * m->cap_ls : 4;
        m_listener_t *grown = realloc(m->ls, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&m->cb_mu);
            return oom(err);
        }
        m->ls = grown;
        m->cap_ls = cap;
    }
    m_listener_t *l = &m->ls[m->n_ls++];
    memcpy(l->key, key, DNASYNC_DHT_KEY_BYTES);
    l->cb = cb;
    l->user = user;
    l->token = *token = ++m->next_token;
    pthread_mutex_unlock(&m->cb_mu);
    return DNASYNC_OK;
}

static void m_cancel(dnasync_net_t *net, uint64_t token)
{
    net_mem_t *m = (net_mem_t *)net;
    pthread_mutex_lock(&m->cb_mu);
    for (size_t i = 0; i < m->n_ls; i++)
        if (m->ls[i].token == token) {
            m->ls[i] = m->ls[--m->n_ls];
            break;
        }
    pthread_mutex_unlock(&m->cb_mu);
}

static int m_stats(dnasync_net_t *net, dnasync_net_stats_t *out)
{
    net_mem_t *m = (net_mem_t *)net;
    pthread_mutex_lock(&m->mu);
    *out = m->stats;
    pthread_mutex_unlock(&m->mu);
    return DNASYNC_OK;
}

static void m_free(dnasync_net_t *net)
{
    net_mem_t *m = (net_mem_t *)net;
    for (size_t i = 0; i < m->n_keys; i++) {
        for (size_t j = 0; j < m->keys[i].n; j++)
            free(m->keys[i].v[j].data);
        free(m->keys[i].v);
    }
    free(m->keys);
    free(m->ls);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->cb_mu);
    free(m);
}

static const dnasync_net_ops_t mem_ops = {
    .put = m_put,
    .get = m_get,
    .list_ids = m_list_ids,
    .get_ids = m_get_ids,
    .listen = m_listen,
    .cancel = m_cancel,
    .stats = m_stats,
    .free = m_free,
};

int dnasync_net_memory_new(const dnasync_env_t *env, dnasync_net_t **out)
{
    *out = NULL;
    net_mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return DNASYNC_ENOMEM;
    m->base.ops = &mem_ops;
    m->env = env ? env : dnasync_env_default();
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m->cb_mu, &attr);
    pthread_mutexattr_destroy(&attr);
    snprintf(m->stats.endpoint, sizeof m->stats.endpoint, "memory");
    m->stats.peers = 1;
    *out = &m->base;
    return DNASYNC_OK;
}
