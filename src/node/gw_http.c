/* The gateway's HTTP server: routing, CORS, limits, the DHT calls (docs/gateway.md). */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dnasync/status.h"
#include "node/gw_check.h"
#include "node/gw_internal.h"
#include "node/gw_parse.h"
#include "node/gw_static.h"
#include "node/gw_store.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define WHO "dnasync gateway"
#define GW_IDLE_TIMEOUT_S 30

/* Per-request state: the body read so far. */
typedef struct gw_req {
    char *body;
    size_t len;
    int too_large;
    int answered; /* a response was queued on the first call */
} gw_req_t;

static void client_addr(struct MHD_Connection *c, char out[48])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, 48, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 48);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 48);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* An Origin is allowed when listed, when "*" is listed, or when it is the gateway's own. */
static int origin_allowed(gw_t *gw, struct MHD_Connection *c, const char *origin)
{
    if (gw->any_origin)
        return 1;
    for (size_t i = 0; i < gw->n_origins; i++)
        if (strcmp(origin, gw->origins[i]) == 0)
            return 1;
    const char *host = header(c, "Host");
    return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

void gw_add_cors(gw_t *gw, struct MHD_Connection *c, struct MHD_Response *r)
{
    const char *origin = header(c, "Origin");
    if (origin && origin_allowed(gw, c, origin)) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
}

static enum MHD_Result queue(gw_t *gw, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    gw_add_cors(gw, c, r);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* Queue a JSON document (consumed), with one extra header when hname is not NULL. */
static enum MHD_Result reply_json_h(gw_t *gw, struct MHD_Connection *c, unsigned status, json_t *j,
                                    const char *hname, const char *hval)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (hname)
        MHD_add_response_header(r, hname, hval);
    return queue(gw, c, status, r);
}

static enum MHD_Result reply_json(gw_t *gw, struct MHD_Connection *c, unsigned status, json_t *j)
{
    return reply_json_h(gw, c, status, j, NULL, NULL);
}

static json_t *error_doc(const char *code, const char *msg)
{
    return json_pack("{s:s,s:s}", "error", code, "message", msg);
}

enum MHD_Result gw_reply_error(gw_t *gw, struct MHD_Connection *c, unsigned status,
                               const char *code, const char *msg)
{
    return reply_json(gw, c, status, error_doc(code, msg));
}

static enum MHD_Result reply_dht_error(gw_t *gw, struct MHD_Connection *c, int rc)
{
    if (rc == DNASYNC_ETIMEOUT)
        return gw_reply_error(gw, c, 504, "timeout", "the DHT did not answer in time");
    return gw_reply_error(gw, c, 500, "dht", dht_storage_errmsg(gw->dht));
}

static void hex16(uint64_t id, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)id);
}

static json_t *value_obj(const dht_raw_value_t *v)
{
    int kind = gw_kind_of_type(v->type);
    char *b64 = NULL, id[17];
    if (!kind || gw_b64_encode(v->data, v->len, &b64) != 0)
        return NULL;
    hex16(v->id, id);
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", id, "kind", dht_kind_name(kind), "data", b64);
    free(b64);
    return o;
}

char *gw_value_json(const dht_raw_value_t *v)
{
    json_t *o = value_obj(v);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* A JSON array of the values (foreign types left out); consumes vals. */
static json_t *values_array(dht_raw_value_t *vals, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = value_obj(&vals[i]);
        if (o)
            json_array_append_new(a, o);
    }
    dht_raw_values_free(vals, n);
    return a;
}

static enum MHD_Result do_health(gw_t *gw, struct MHD_Connection *c)
{
    dht_storage_stats_t st;
    int rc = dht_storage_stats(gw->dht, &st);
    if (rc)
        return reply_dht_error(gw, c, rc);
    return reply_json(gw, c, 200,
                      json_pack("{s:s,s:i,s:s,s:I,s:I}", "status", "ok", "api", 1, "node_id",
                                st.node_id, "nodes", (json_int_t)st.nodes, "values",
                                (json_int_t)st.values));
}

static enum MHD_Result do_values(gw_t *gw, struct MHD_Connection *c, const gw_route_t *rt)
{
    dht_raw_value_t *vals = NULL;
    size_t n = 0;
    int rc = rt->has_ids ? dht_get_by_ids(gw->dht, rt->key, rt->ids, rt->n_ids, &vals, &n)
                         : dht_get(gw->dht, rt->key, &vals, &n);
    if (rc)
        return reply_dht_error(gw, c, rc);
    return reply_json(gw, c, 200, json_pack("{s:o}", "values", values_array(vals, n)));
}

static enum MHD_Result do_ids(gw_t *gw, struct MHD_Connection *c, const gw_route_t *rt)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = dht_list_ids(gw->dht, rt->key, &ids, &n);
    if (rc)
        return reply_dht_error(gw, c, rc);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char id[17];
        hex16(ids[i], id);
        json_array_append_new(a, json_string(id));
    }
    free(ids);
    return reply_json(gw, c, 200, json_pack("{s:o}", "ids", a));
}

static enum MHD_Result do_get_batch(gw_t *gw, struct MHD_Connection *c, const gw_req_t *r)
{
    uint8_t keys[GW_MAX_ITEMS][DNASYNC_DHT_KEY_BYTES];
    size_t n = 0;
    char err[200];
    if (gw_parse_keys(r->body, r->len, keys, &n, err, sizeof err) != 0)
        return gw_reply_error(gw, c, 400, "bad_request", err);
    json_t *results = json_array();
    for (size_t i = 0; results && i < n; i++) {
        char hex[2 * DNASYNC_DHT_KEY_BYTES + 1];
        for (int b = 0; b < DNASYNC_DHT_KEY_BYTES; b++)
            snprintf(hex + 2 * b, 3, "%02x", keys[i][b]);
        dht_raw_value_t *vals = NULL;
        size_t cnt = 0;
        int rc = dht_get(gw->dht, keys[i], &vals, &cnt);
        json_array_append_new(
            results, rc ? json_pack("{s:s,s:s}", "key", hex, "error",
                                    rc == DNASYNC_ETIMEOUT ? "timeout" : "dht")
                        : json_pack("{s:s,s:o}", "key", hex, "values", values_array(vals, cnt)));
    }
    return reply_json(gw, c, 200, json_pack("{s:o}", "results", results));
}

/* The identity lookups of one put request: a batch of one sender's messages reads the sender's
 * records once. */
#define GW_ID_CACHE 8
typedef struct id_cache {
    gw_t *gw;
    size_t n;
    struct {
        char name[DNASYNC_NAME_MAX + 1];
        int rc;
        size_t count;
        uint8_t pks[8][32];
    } e[GW_ID_CACHE];
} id_cache_t;

/* The signing keys of name's valid identity records on the DHT. */
static int read_identity_keys(gw_t *gw, const char *name, uint8_t pks[][32], size_t max, size_t *n)
{
    *n = 0;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    if (dht_key_id(key, name) != 0)
        return 0;
    dht_raw_value_t *vals = NULL;
    size_t cnt = 0;
    int rc = dht_get(gw->dht, key, &vals, &cnt);
    if (rc)
        return rc;
    for (size_t i = 0; i < cnt && *n < max; i++) {
        dht_value_t v;
        memset(&v, 0, sizeof v);
        if (vals[i].type == DNASYNC_DHT_TYPE_IDENTITY &&
            dht_value_decode(vals[i].data, vals[i].len, &v) == 0 && v.kind == DHT_KIND_IDENTITY &&
            strcmp(v.name, name) == 0 && dht_value_verify(&v) == 0 &&
            dht_value_id(&v) == vals[i].id)
            memcpy(pks[(*n)++], v.signing_pk, 32);
        dht_value_clear(&v);
    }
    dht_raw_values_free(vals, cnt);
    return 0;
}

/* gw_identity_fn: read_identity_keys through the request's cache. */
static int identity_keys(void *user, const char *name, uint8_t pks[][32], size_t max, size_t *n)
{
    id_cache_t *c = user;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].name, name) == 0) {
            *n = c->e[i].count < max ? c->e[i].count : max;
            memcpy(pks, c->e[i].pks, *n * 32);
            return c->e[i].rc;
        }
    if (c->n == GW_ID_CACHE || strlen(name) > DNASYNC_NAME_MAX)
        return read_identity_keys(c->gw, name, pks, max, n);
    size_t i = c->n++;
    snprintf(c->e[i].name, sizeof c->e[i].name, "%s", name);
    c->e[i].rc = read_identity_keys(c->gw, name, c->e[i].pks, 8, &c->e[i].count);
    *n = c->e[i].count < max ? c->e[i].count : max;
    memcpy(pks, c->e[i].pks, *n * 32);
    return c->e[i].rc;
}

static void put_valid(gw_t *gw, gw_put_req_t *req)
{
    for (size_t i = 0; i < req->n; i++) {
        gw_check_edition(gw->dht, &req->items[i]);
        gw_check_room(gw->dht, &req->items[i]);
    }
    dht_put_item_t *items = calloc(req->n, sizeof *items);
    size_t *which = calloc(req->n, sizeof *which), m = 0;
    for (size_t i = 0; items && which && i < req->n; i++) {
        gw_put_item_t *it = &req->items[i];
        if (it->status != GW_PENDING)
            continue;
        memcpy(items[m].key, it->key, DNASYNC_DHT_KEY_BYTES);
        items[m].value = it->data;
        items[m].len = it->len;
        items[m].type = gw_type_of_kind(it->kind);
        items[m].id = it->vid;
        items[m].created = (uint64_t)it->created;
        which[m++] = i;
    }
    int rc = m ? dht_put_batch(gw->dht, items, m) : 0;
    for (size_t j = 0; j < m; j++) {
        gw_put_item_t *it = &req->items[which[j]];
        int st = rc < 0 ? rc : items[j].status;
        if (st == 0)
            it->status = GW_STORED;
        else if (st == DNASYNC_EAUTH || st == DNASYNC_ECORRUPT || st == DNASYNC_ETOOBIG)
            it->status = GW_REFUSED;
        else
            it->status = GW_NOT_CONFIRMED;
        if (st != 0)
            snprintf(it->message, sizeof it->message, "%s", dnasync_strerror(st));
    }
    for (size_t i = 0; (!items || !which) && i < req->n; i++)
        if (req->items[i].status == GW_PENDING) {
            req->items[i].status = GW_NOT_CONFIRMED;
            snprintf(req->items[i].message, sizeof req->items[i].message, "out of memory");
        }
    free(items);
    free(which);
}

static enum MHD_Result do_put(gw_t *gw, struct MHD_Connection *c, const gw_req_t *r)
{
    gw_put_req_t req;
    char err[200];
    int rc = gw_parse_put(r->body, r->len, &req, err, sizeof err);
    if (rc != 0)
        return gw_reply_error(gw, c, (unsigned)rc, rc == 400 ? "bad_request" : "dht", err);
    uint64_t now = dnasync_env_now(gw->env);
    id_cache_t *cache = calloc(1, sizeof *cache);
    if (!cache) {
        gw_put_req_free(&req);
        return MHD_NO;
    }
    cache->gw = gw;
    for (size_t i = 0; i < req.n; i++)
        gw_check_item(&req, i, now, identity_keys, cache);
    free(cache);
    put_valid(gw, &req);
    json_t *results = json_array();
    for (size_t i = 0; results && i < req.n; i++) {
        const gw_put_item_t *it = &req.items[i];
        json_t *o = json_pack("{s:s}", "status", gw_status_name(it->status));
        if (o && it->status != GW_STORED)
            json_object_set_new(o, "message", json_string(it->message));
        json_array_append_new(results, o);
    }
    gw_put_req_free(&req);
    return reply_json(gw, c, 200, json_pack("{s:o}", "results", results));
}

static enum MHD_Result preflight(gw_t *gw, struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Headers", "Content-Type, Last-Event-ID");
    MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    return queue(gw, c, 204, r);
}

/* Decisions taken before any body is read. MHD_YES + *answered when a response was queued. */
static enum MHD_Result first_call(gw_t *gw, struct MHD_Connection *c, const char *url,
                                  const char *method, gw_req_t *r)
{
    char addr[48];
    client_addr(c, addr);
    const char *origin = header(c, "Origin");
    r->answered = 1;
    pthread_mutex_lock(&gw->mu);
    int stopping = gw->stopping;
    pthread_mutex_unlock(&gw->mu);
    if (stopping)
        return gw_reply_error(gw, c, 503, "stopping", "the node is stopping");
    if (origin && !origin_allowed(gw, c, origin))
        return gw_reply_error(gw, c, 403, "origin_not_allowed",
                              "this origin is not in the gateway's --allow-origin list");
    if (!gw_limits_request(&gw->lim, addr, dnasync_env_now_ms(gw->env)))
        return reply_json_h(gw, c, 429,
                            error_doc("rate_limited", "too many requests from this address"),
                            "Retry-After", "1");
    if (gw_static_wants(url, method))
        return gw_static_serve(gw, c, url); /* the web device's page (docs/web.md) */
    gw_route_t rt;
    char err[200];
    if (gw_parse_route(url, NULL, &rt, err, sizeof err) == 404)
        return gw_reply_error(gw, c, 404, "not_found", err);
    if (strcmp(method, "OPTIONS") == 0)
        return preflight(gw, c);
    if (strcmp(method, gw_route_method(rt.kind)) != 0)
        return reply_json_h(gw, c, 405,
                            error_doc("method_not_allowed", "method not allowed on this route"),
                            "Allow", gw_route_method(rt.kind));
    if (strcmp(method, "POST") == 0) {
        const char *ct = header(c, "Content-Type");
        if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
            (ct[16] != '\0' && ct[16] != ';'))
            return gw_reply_error(gw, c, 415, "unsupported_media_type",
                                  "send Content-Type: application/json");
        const char *cl = header(c, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > GW_MAX_BODY)
            return gw_reply_error(gw, c, 413, "too_large", "the body is over 2 MiB");
    }
    r->answered = 0;
    return MHD_YES;
}

static enum MHD_Result dispatch(gw_t *gw, struct MHD_Connection *c, const char *url,
                                const char *method, gw_req_t *r)
{
    if (r->too_large)
        return gw_reply_error(gw, c, 413, "too_large", "the body is over 2 MiB");
    gw_route_t rt;
    char err[200];
    const char *ids = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ids");
    int rc = gw_parse_route(url, ids, &rt, err, sizeof err);
    (void)method; /* route and method were checked on the first call */
    if (rc != 0)
        return gw_reply_error(gw, c, 400, "bad_request", err);
    switch (rt.kind) {
    case GW_ROUTE_HEALTH: return do_health(gw, c);
    case GW_ROUTE_VALUES: return do_values(gw, c, &rt);
    case GW_ROUTE_IDS: return do_ids(gw, c, &rt);
    case GW_ROUTE_GET: return do_get_batch(gw, c, r);
    case GW_ROUTE_PUT: return do_put(gw, c, r);
    case GW_ROUTE_LISTEN: {
        char addr[48];
        client_addr(c, addr);
        return gw_listen_start(gw, c, rt.key, addr);
    }
    }
    return gw_reply_error(gw, c, 404, "not_found", "no such route");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    gw_t *gw = cls;
    gw_req_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        return first_call(gw, c, url, method, r);
    }
    if (r->answered) {
        *upload_size = 0; /* a refused request's body is dropped */
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->len + *upload_size <= GW_MAX_BODY) {
            char *nb = realloc(r->body, r->len + *upload_size + 1);
            if (!nb)
                return MHD_NO;
            memcpy(nb + r->len, upload, *upload_size);
            r->body = nb;
            r->len += *upload_size;
            r->body[r->len] = '\0';
        } else
            r->too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    r->answered = 1;
    return dispatch(gw, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    gw_req_t *r = *con_cls;
    if (r) {
        free(r->body);
        free(r);
    }
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    dnasync_vlog(DNASYNC_LOG_WARN, "libmicrohttpd", fmt, ap);
}

static int parse_bind(const char *bind, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
    if (inet_pton(AF_INET, bind, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        return AF_INET6;
    }
    return 0;
}

int gw_start(dht_storage_context_t *dht, const gw_config_t *cfg, gw_t **out, char *err,
             size_t errlen)
{
    *out = NULL;
    const char *bind = cfg->bind && *cfg->bind ? cfg->bind : "127.0.0.1";
    struct sockaddr_storage ss;
    int af = parse_bind(bind, cfg->port, &ss);
    if (!af) {
        snprintf(err, errlen, "--gateway-bind wants an IPv4 or IPv6 address, not '%s'", bind);
        return DNASYNC_EINVAL;
    }
    gw_t *gw = calloc(1, sizeof *gw);
    if (!gw)
        return DNASYNC_ENOMEM;
    gw->dht = dht;
    gw->env = cfg->env;
    for (size_t i = 0; i < cfg->n_origins && i < GW_MAX_ORIGINS; i++) {
        if (strcmp(cfg->origins[i], "*") == 0)
            gw->any_origin = 1;
        gw->origins[gw->n_origins++] = strdup(cfg->origins[i]);
    }
    const char *web = cfg->web_root ? cfg->web_root : getenv("DNASYNC_WEB_ROOT");
    if (web && *web)
        gw->web_root = strdup(web);
    gw_limits_init(&gw->lim, cfg->rate > 0 ? cfg->rate : GW_DEFAULT_RATE, GW_MAX_LISTENS);
    pthread_mutex_init(&gw->mu, NULL);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (af == AF_INET6 ? MHD_USE_IPv6 : 0);
    gw->d = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, gw, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, gw,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)GW_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)GW_MAX_PER_CLIENT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GW_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, gw, MHD_OPTION_END);
    if (!gw->d) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not a local address)", bind,
                 (unsigned)cfg->port);
        gw_stop(gw);
        return DNASYNC_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(gw->d, MHD_DAEMON_INFO_BIND_PORT);
    gw->port = di ? di->port : cfg->port;
    *out = gw;
    return DNASYNC_OK;
}

uint16_t gw_port(const gw_t *gw)
{
    return gw ? gw->port : 0;
}

void gw_stop(gw_t *gw)
{
    if (!gw)
        return;
    pthread_mutex_lock(&gw->mu);
    gw->stopping = 1;
    pthread_mutex_unlock(&gw->mu);
    gw_listen_close_all(gw); /* streams end; their threads finish */
    if (gw->d)
        MHD_stop_daemon(gw->d); /* joins every connection thread; streams free their listens */
    for (size_t i = 0; i < gw->n_origins; i++)
        free(gw->origins[i]);
    free(gw->web_root);
    gw_limits_free(&gw->lim);
    pthread_mutex_destroy(&gw->mu);
    free(gw);
}
