/* The DHT storage context: the spec's dht_* functions over the adapter. */
#define _POSIX_C_SOURCE 200809L
#include "dht/dht_internal.h"

#include "common/cond.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct listen_tramp {
    dht_listen_cb cb;
    void *user;
    uint64_t token;
    struct listen_tramp *next;
} listen_tramp_t;

int dht_ctx_err(dht_storage_context_t *ctx, int code, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return dnasync_err_set(&ctx->err, code, "%s", buf); /* under ctx->err.guard */
}

uint64_t dht_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t dht_age_ms(const dht_storage_context_t *ctx, uint64_t created)
{
    if (created == 0)
        return 0;
    uint64_t now = dnasync_env_now_ms(ctx->env);
    return now > created * 1000u ? now - created * 1000u : 0;
}

uint32_t dht_known_nodes(dht_storage_context_t *ctx)
{
    dnad_stats_t s;
    if (dnad_get_stats(ctx->node, ctx->timeout_ms, &s) != 0)
        return 0;
    return s.nodes_good + s.nodes_dubious;
}

void dht_storage_config_default(dht_storage_config_t *cfg)
{
    if (cfg)
        memset(cfg, 0, sizeof *cfg);
}

static int is_loopback(const char *bind)
{
    return !bind || strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0 ||
           strcmp(bind, "localhost") == 0;
}

/* Split "host:port" / "[v6]:port" into host and port. */
static int split_host_port(const char *hp, char *host, size_t hl, char *port, size_t pl)
{
    if (!hp || !*hp)
        return DNASYNC_EINVAL;
    const char *colon;
    const char *h = hp;
    size_t hn;
    if (*hp == '[') {
        const char *end = strchr(hp, ']');
        if (!end || end[1] != ':')
            return DNASYNC_EINVAL;
        h = hp + 1;
        hn = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(hp, ':');
        if (!colon)
            return DNASYNC_EINVAL;
        hn = (size_t)(colon - hp);
    }
    size_t pn = strlen(colon + 1);
    if (hn == 0 || hn >= hl || pn == 0 || pn >= pl || strspn(colon + 1, "0123456789") != pn)
        return DNASYNC_EINVAL;
    memcpy(host, h, hn);
    host[hn] = '\0';
    memcpy(port, colon + 1, pn + 1);
    return DNASYNC_OK;
}

int dht_storage_init(const dht_storage_config_t *cfg, dht_storage_context_t **out)
{
    if (!out)
        return dnasync_err_set(NULL, DNASYNC_EINVAL, "DHT: no output pointer");
    *out = NULL;
    dht_storage_config_t def;
    if (!cfg) {
        dht_storage_config_default(&def);
        cfg = &def;
    }
    dht_storage_context_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return dnasync_err_set(NULL, DNASYNC_ENOMEM, "DHT: out of memory");
    pthread_mutex_init(&ctx->err_mtx, NULL);
    ctx->err.guard = &ctx->err_mtx;
    ctx->env = cfg->env ? cfg->env : dnasync_env_default();
    ctx->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DNASYNC_DHT_DEFAULT_TIMEOUT_MS;
    ctx->peers_confirm = cfg->peers_confirm;
    dnad_config_t dc;
    memset(&dc, 0, sizeof dc);
    dc.bind = cfg->bind;
    dc.port = cfg->port;
    dc.network_id = DNASYNC_DHT_NETWORK_ID;
    dc.max_store_size = cfg->max_store_size;
    dc.max_req_per_sec = cfg->max_req_per_sec;
    dc.maintain_storage = !cfg->peers_confirm;
    dc.max_peer_req_per_sec = cfg->max_peer_req_per_sec;
    /* Every loopback peer shares one source address: let one "peer" use the whole node budget. */
    if (dc.max_peer_req_per_sec == 0 && is_loopback(cfg->bind))
        dc.max_peer_req_per_sec = cfg->max_req_per_sec > 0 ? cfg->max_req_per_sec : 8192;
    dc.persist_dir = cfg->persist_dir;
    dc.persist_interval_s = cfg->persist_interval_s;
    dc.strict_types = cfg->strict_types;
    dc.log_level = cfg->log_level;
    char e[256] = "";
    int rc = dnad_start(&dc, &ctx->node, e, sizeof e);
    if (rc != 0) {
        dnasync_err_set(NULL, rc, "%s", e);
        pthread_mutex_destroy(&ctx->err_mtx);
        free(ctx);
        return rc;
    }
    for (size_t i = 0; i < cfg->n_bootstrap; i++) {
        rc = dht_bootstrap(ctx, cfg->bootstrap[i]);
        if (rc != 0) {
            dnasync_err_set(NULL, rc, "bad bootstrap address '%s' (want HOST:PORT)",
                            cfg->bootstrap[i] ? cfg->bootstrap[i] : "");
            dht_storage_free(ctx);
            return rc;
        }
    }
    *out = ctx;
    return DNASYNC_OK;
}

int dht_storage_save(dht_storage_context_t *ctx)
{
    if (!ctx)
        return DNASYNC_EINVAL;
    int rc = dnad_save(ctx->node, ctx->timeout_ms);
    return rc ? dht_ctx_err(ctx, rc, "cannot save the node's values (see the log)") : DNASYNC_OK;
}

void dht_storage_free(dht_storage_context_t *ctx)
{
    if (!ctx)
        return;
    dnad_stop(ctx->node, 5000);
    while (ctx->tramps) {
        struct listen_tramp *t = ctx->tramps;
        ctx->tramps = t->next;
        free(t);
    }
    pthread_mutex_destroy(&ctx->err_mtx);
    free(ctx);
}

const char *dht_storage_errmsg(const dht_storage_context_t *ctx)
{
    if (!ctx)
        return "no DHT context";
    const char *mine = dnasync_err_mine(&ctx->err);
    return mine ? mine : dnasync_err_copy(&ctx->err);
}

int dht_bootstrap(dht_storage_context_t *ctx, const char *host_port)
{
    if (!ctx)
        return DNASYNC_EINVAL;
    char host[256], port[16];
    if (split_host_port(host_port, host, sizeof host, port, sizeof port) != 0)
        return dht_ctx_err(ctx, DNASYNC_EINVAL, "bad bootstrap address '%s' (want HOST:PORT)",
                           host_port ? host_port : "");
    return dnad_bootstrap(ctx->node, host, port);
}

void dht_raw_values_free(dht_raw_value_t *v, size_t count)
{
    if (!v)
        return;
    for (size_t i = 0; i < count; i++)
        free(v[i].data);
    free(v);
}

int dht_check_put(dht_storage_context_t *ctx, const uint8_t *value, size_t len, uint16_t type,
                  uint64_t id)
{
    if (!value && len)
        return dht_ctx_err(ctx, DNASYNC_EINVAL, "no value");
    if (len > DHT_VALUE_MAX_BYTES)
        return dht_ctx_err(ctx, DNASYNC_ETOOBIG, "value of %zu bytes exceeds the %d-byte limit",
                           len, DHT_VALUE_MAX_BYTES);
    if (!dht_kind_of_type(type))
        return dht_ctx_err(ctx, DNASYNC_EINVAL, "value type %u is not a dnasync type",
                           (unsigned)type);
    if (id == 0)
        return dht_ctx_err(ctx, DNASYNC_EINVAL, "value id 0 is reserved");
    if (!dnad_policy_store_ok(type, id, value, len))
        return dht_ctx_err(ctx, DNASYNC_ECORRUPT,
                           "value refused: it does not decode strictly, its signature does not "
                           "verify, or its id/type does not match");
    return DNASYNC_OK;
}

int dht_edit_ok(uint16_t type, uint64_t id, const uint8_t *held, size_t held_len,
                const uint8_t *value, size_t len)
{
    return dnad_policy_edit_ok(type, id, held, held_len, value, len);
}

int dht_caps_room(int kind, size_t held, size_t by_author, char *why, size_t whylen)
{
    size_t cap = kind == DHT_KIND_SUMMARY ? DHT_SUMMARY_KEY_CAP : DHT_KEY_CAP;
    if (held >= cap) {
        if (why)
            snprintf(why, whylen, "the key holds %zu values, the storing nodes keep at most %zu",
                     held, cap);
        return 0;
    }
    if (kind == DHT_KIND_SUMMARY && by_author >= DHT_MAX_DEVICES) {
        if (why)
            snprintf(why, whylen,
                     "the key holds %zu summaries signed by this key, the storing nodes keep at "
                     "most %d (one per device)",
                     by_author, DHT_MAX_DEVICES);
        return 0;
    }
    return 1;
}

typedef struct put_wait {
    pthread_mutex_t m;
    pthread_cond_t c;
    int done, ok, refs;
} put_wait_t;

static void put_wait_release(put_wait_t *w)
{
    pthread_mutex_lock(&w->m);
    int last = --w->refs == 0;
    pthread_mutex_unlock(&w->m);
    if (last) {
        pthread_mutex_destroy(&w->m);
        pthread_cond_destroy(&w->c);
        free(w);
    }
}

static void put_done(void *user, int ok)
{
    put_wait_t *w = user;
    pthread_mutex_lock(&w->m);
    w->done = 1;
    w->ok = ok;
    pthread_cond_broadcast(&w->c);
    pthread_mutex_unlock(&w->m);
    put_wait_release(w);
}

/* Queues one put; *out waits for its answer (put_finish). 0 or why it was not queued. */
static int put_start(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint8_t *value, size_t len, uint16_t type, uint64_t id, uint64_t created,
                     put_wait_t **out)
{
    *out = NULL;
    if (!ctx || !key)
        return DNASYNC_EINVAL;
    int rc = dht_check_put(ctx, value, len, type, id);
    if (rc)
        return rc;
    put_wait_t *w = calloc(1, sizeof *w);
    if (!w)
        return DNASYNC_ENOMEM;
    pthread_mutex_init(&w->m, NULL);
    dnasync_cond_init(&w->c);
    w->refs = 2;
    rc = dnad_put(ctx->node, key, value, len, type, id, dht_age_ms(ctx, created), put_done, w);
    if (rc) {
        w->refs = 1;
        put_wait_release(w);
        return dht_ctx_err(ctx, rc, "put could not be queued");
    }
    *out = w;
    return DNASYNC_OK;
}

/* Waits for a queued put's answer until deadline (dht_mono_ms) and releases w. */
static int put_finish(dht_storage_context_t *ctx, put_wait_t *w, uint64_t deadline)
{
    pthread_mutex_lock(&w->m);
    while (!w->done) {
        uint64_t now = dht_mono_ms();
        if (now >= deadline)
            break;
        struct timespec ts;
        dnasync_deadline_ms(&ts, deadline - now > 100 ? 100 : deadline - now);
        pthread_cond_timedwait(&w->c, &w->m, &ts);
    }
    int done = w->done, ok = w->ok;
    pthread_mutex_unlock(&w->m);
    put_wait_release(w);
    if (!done)
        return dht_ctx_err(ctx, DNASYNC_ETIMEOUT, "put timed out after %d ms", ctx->timeout_ms);
    if (!ok && dht_known_nodes(ctx) > 0)
        return dht_ctx_err(ctx, DNASYNC_EDHT, "no DHT node accepted the value");
    if (!ok && ctx->peers_confirm) /* only another node confirms (issue 10, D6) */
        return dht_ctx_err(ctx, DNASYNC_EDHT,
                           "no other DHT node is known: stored on this node only, not confirmed");
    return DNASYNC_OK;
}

int dht_put(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
            const uint8_t *value, size_t len, uint16_t type, uint64_t id, uint64_t created)
{
    put_wait_t *w = NULL;
    int rc = put_start(ctx, key, value, len, type, id, created, &w);
    return rc ? rc : put_finish(ctx, w, dht_mono_ms() + (uint64_t)ctx->timeout_ms);
}

int dht_put_each(dht_storage_context_t *ctx, dht_put_item_t *items, size_t count)
{
    if (!ctx || (!items && count))
        return DNASYNC_EINVAL;
    put_wait_t **w = calloc(count ? count : 1, sizeof *w);
    if (!w)
        return DNASYNC_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        items[i].attempts = 1;
        items[i].status = put_start(ctx, items[i].key, items[i].value, items[i].len, items[i].type,
                                    items[i].id, items[i].created, &w[i]);
    }
    uint64_t deadline = dht_mono_ms() + (uint64_t)ctx->timeout_ms;
    int ok = 0;
    for (size_t i = 0; i < count; i++) {
        if (w[i])
            items[i].status = put_finish(ctx, w[i], deadline);
        ok += items[i].status == 0;
    }
    free(w);
    return ok;
}

static int convert(dht_storage_context_t *ctx, int rc, dnad_value_t *vals, size_t n,
                   dht_raw_value_t **out, size_t *count)
{
    if (rc)
        return dht_ctx_err(ctx, rc, "%s", rc == DNASYNC_ETIMEOUT ? "get timed out" : "get failed");
    /* same layout, different type names: copy field by field */
    dht_raw_value_t *r = n ? calloc(n, sizeof *r) : NULL;
    if (n && !r) {
        dnad_values_free(vals, n);
        return DNASYNC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        r[i].id = vals[i].id;
        r[i].type = vals[i].type;
        r[i].data = vals[i].data;
        r[i].len = vals[i].len;
        vals[i].data = NULL;
    }
    dnad_values_free(vals, n);
    *out = r;
    *count = n;
    return DNASYNC_OK;
}

int dht_get(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
            dht_raw_value_t **out, size_t *count)
{
    if (!ctx || !key || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    dnad_value_t *v = NULL;
    size_t n = 0;
    int rc = dnad_get(ctx->node, key, NULL, 0, ctx->timeout_ms, &v, &n);
    return convert(ctx, rc, v, n, out, count);
}

/* The adapter's first answer, handed on in this layer's type (dht_get_first). */
typedef struct first_call {
    dht_storage_context_t *ctx;
    dht_first_cb cb;
    void *user;
} first_call_t;

static void on_first(void *user, dnad_value_t *vals, size_t n)
{
    first_call_t *f = user;
    dht_raw_value_t *r = NULL;
    size_t k = 0;
    if (convert(f->ctx, 0, vals, n, &r, &k) == 0)
        f->cb(f->user, r, k);
}

int dht_get_first(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                  dht_first_cb first, void *user, dht_raw_value_t **out, size_t *count)
{
    if (!ctx || !key || !first || !out || !count)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    first_call_t f = {ctx, first, user};
    dnad_value_t *v = NULL;
    size_t n = 0;
    int rc = dnad_get_first(ctx->node, key, ctx->timeout_ms, on_first, &f, &v, &n);
    return convert(ctx, rc, v, n, out, count);
}

int dht_get_by_ids(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                   const uint64_t *ids, size_t n_ids, dht_raw_value_t **out, size_t *count)
{
    if (!ctx || !key || !out || !count || (n_ids && !ids))
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    if (n_ids == 0)
        return DNASYNC_OK;
    dnad_value_t *v = NULL;
    size_t n = 0;
    int rc = dnad_get(ctx->node, key, ids, n_ids, ctx->timeout_ms, &v, &n);
    return convert(ctx, rc, v, n, out, count);
}

int dht_list_ids(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 uint64_t **ids, size_t *count)
{
    if (!ctx || !key || !ids || !count)
        return DNASYNC_EINVAL;
    int rc = dnad_list_ids(ctx->node, key, ctx->timeout_ms, ids, count);
    if (rc)
        return dht_ctx_err(ctx, rc, "listing ids %s",
                           rc == DNASYNC_ETIMEOUT ? "timed out" : "failed");
    return DNASYNC_OK;
}

static void on_listen(void *user, const uint8_t *data, size_t len, uint16_t type, uint64_t id,
                      int expired)
{
    listen_tramp_t *t = user;
    dht_raw_value_t v = {id, type, (uint8_t *)data, len};
    t->cb(t->user, &v, expired);
}

int dht_listen(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
               dht_listen_cb cb, void *user, uint64_t *token)
{
    if (!ctx || !key || !cb || !token)
        return DNASYNC_EINVAL;
    listen_tramp_t *t = malloc(sizeof *t);
    if (!t)
        return DNASYNC_ENOMEM;
    t->cb = cb;
    t->user = user;
    int rc = dnad_listen(ctx->node, key, on_listen, t, ctx->timeout_ms, token);
    if (rc) {
        free(t); /* cancelled before any callback could run */
        return dht_ctx_err(ctx, rc, "listen failed");
    }
    t->token = *token;
    pthread_mutex_lock(&ctx->err_mtx);
    t->next = ctx->tramps;
    ctx->tramps = t;
    pthread_mutex_unlock(&ctx->err_mtx);
    return DNASYNC_OK;
}

int dht_listen_alive(dht_storage_context_t *ctx, uint64_t token)
{
    if (!ctx)
        return DNASYNC_EINVAL;
    int rc = dnad_listen_alive(ctx->node, token, ctx->timeout_ms);
    return rc < 0 ? dht_ctx_err(ctx, rc, "listen state unknown") : rc;
}

int dht_listen_cancel(dht_storage_context_t *ctx, uint64_t token)
{
    if (!ctx)
        return DNASYNC_EINVAL;
    int rc = dnad_listen_cancel(ctx->node, token);
    if (rc)
        return dht_ctx_err(ctx, rc, "no such listen");
    pthread_mutex_lock(&ctx->err_mtx);
    for (listen_tramp_t **pp = &ctx->tramps; *pp; pp = &(*pp)->next) {
        if ((*pp)->token == token) {
            listen_tramp_t *t = *pp;
            *pp = t->next;
            free(t);
            break;
        }
    }
    pthread_mutex_unlock(&ctx->err_mtx);
    return DNASYNC_OK;
}

int dht_storage_local(dht_storage_context_t *ctx, const uint8_t *key, size_t max,
                      dht_local_value_t **out, size_t *count, int *truncated)
{
    if (!ctx || !out || !count || !truncated)
        return DNASYNC_EINVAL;
    *out = NULL;
    *count = 0;
    dnad_local_t *got = NULL;
    size_t n = 0;
    int rc = dnad_local(ctx->node, key, max, ctx->timeout_ms, &got, &n, truncated);
    if (rc)
        return dht_ctx_err(ctx, rc, "the node's store did not answer");
    dht_local_value_t *arr = malloc((n ? n : 1) * sizeof *arr);
    if (!arr) {
        free(got);
        return dht_ctx_err(ctx, DNASYNC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(arr[i].key, got[i].key, sizeof arr[i].key);
        arr[i].id = got[i].id;
        arr[i].type = got[i].type;
        arr[i].len = got[i].len;
        arr[i].version = got[i].version;
    }
    free(got);
    *out = arr;
    *count = n;
    return DNASYNC_OK;
}

int dht_storage_nodes(dht_storage_context_t *ctx, char *buf, size_t len, uint32_t *count)
{
    if (!ctx || !buf || !len || !count)
        return DNASYNC_EINVAL;
    int rc = dnad_nodes(ctx->node, ctx->timeout_ms, buf, len, count);
    return rc ? dht_ctx_err(ctx, rc, "routing table unavailable") : DNASYNC_OK;
}

int dht_storage_retry_nodes(dht_storage_context_t *ctx)
{
    if (!ctx)
        return DNASYNC_EINVAL;
    int rc = dnad_retry_nodes(ctx->node);
    return rc ? dht_ctx_err(ctx, rc, "node stopped") : DNASYNC_OK;
}

int dht_storage_stats(dht_storage_context_t *ctx, dht_storage_stats_t *out)
{
    if (!ctx || !out)
        return DNASYNC_EINVAL;
    dnad_stats_t s;
    int rc = dnad_get_stats(ctx->node, ctx->timeout_ms, &s);
    if (rc)
        return dht_ctx_err(ctx, rc, "stats unavailable");
    memset(out, 0, sizeof *out);
    out->values = s.values;
    out->store_bytes = s.store_bytes;
    out->nodes = s.nodes_good + s.nodes_dubious;
    out->nodes_good = s.nodes_good;
    out->searches = s.searches;
    out->port = s.port;
    memcpy(out->node_id, s.node_id, sizeof out->node_id);
    out->refused = s.refused;
    out->sent_ping = s.sent[0];
    out->sent_find = s.sent[1];
    out->sent_get = s.sent[2];
    out->sent_listen = s.sent[3];
    out->sent_put = s.sent[4];
    return DNASYNC_OK;
}
