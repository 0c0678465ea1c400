/* The gateway transport: a device that never joins the DHT reaches it through one or more
 * `dnasync node --gateway-port` servers over HTTP (docs/gateway.md, docs/transport.md). */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "net/gwc.h"

#include "dnasync/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GW_PUT_MAX 32 /* values per POST /v1/put */
/* value bytes per POST /v1/put: base64 and JSON around them stay below the gateway's 2 MiB body
 * (bundles are up to 64 KB each) */
#define GW_PUT_MAX_BYTES (1024u * 1024u)
#define GW_GET_MAX 32  /* keys per POST /v1/get */
#define GW_IDS_MAX 128 /* ids per ?ids= */

static gwc_t *of(dnasync_net_t *net)
{
    return (gwc_t *)net;
}

static int oom(char *err)
{
    return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
}

static int g_put(dnasync_net_t *net, dnasync_net_put_t *items, size_t n, unsigned flags,
                 char err[DNASYNC_NET_ERR_MAX])
{
    (void)flags; /* every gateway put is one try; the engine retries what is not stored */
    int rc = DNASYNC_OK;
    for (size_t i = 0; i < n; i++)
        items[i].ok = false;
    for (size_t at = 0, k = 0; rc == 0 && at < n; at += k) {
        size_t bytes = 0;
        for (k = 0; at + k < n && k < GW_PUT_MAX &&
                    (k == 0 || bytes + items[at + k].len <= GW_PUT_MAX_BYTES);
             k++)
            bytes += items[at + k].len;
        char *body = gwc_put_body(items + at, k);
        if (!body)
            return oom(err);
        gwc_response_t r;
        rc = gwc_request(of(net), "POST", "/v1/put", body, &r, err);
        free(body);
        if (rc == 0)
            rc = gwc_parse_put(r.body, items + at, k, err);
        gwc_response_free(&r);
    }
    return rc;
}

static int g_get(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                 dnasync_net_value_t **out, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    char path[64], hex[2 * DNASYNC_DHT_KEY_BYTES + 1];
    gwc_hex_key(key, hex);
    snprintf(path, sizeof path, "/v1/key/%s", hex);
    gwc_response_t r;
    int rc = gwc_request(of(net), "GET", path, NULL, &r, err);
    if (rc == 0)
        rc = gwc_parse_values(r.body, out, count, err);
    gwc_response_free(&r);
    return rc;
}

static int g_list_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t **ids,
                      size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    char path[64], hex[2 * DNASYNC_DHT_KEY_BYTES + 1];
    gwc_hex_key(key, hex);
    snprintf(path, sizeof path, "/v1/key/%s/ids", hex);
    gwc_response_t r;
    int rc = gwc_request(of(net), "GET", path, NULL, &r, err);
    if (rc == 0)
        rc = gwc_parse_ids(r.body, ids, count, err);
    gwc_response_free(&r);
    return rc;
}

/* Appends values b to a (both arrays of dnasync_net_value_t), consuming b. */
static int append(dnasync_net_value_t **a, size_t *na, dnasync_net_value_t *b, size_t nb)
{
    if (nb == 0) {
        free(b);
        return DNASYNC_OK;
    }
    dnasync_net_value_t *grown = realloc(*a, (*na + nb) * sizeof *grown);
    if (!grown) {
        dnasync_net_values_free(b, nb);
        return DNASYNC_ENOMEM;
    }
    memcpy(grown + *na, b, nb * sizeof *b);
    free(b);
    *a = grown;
    *na += nb;
    return DNASYNC_OK;
}

static int g_get_ids(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint64_t *ids, size_t n_ids, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    *out = NULL;
    *count = 0;
    char hex[2 * DNASYNC_DHT_KEY_BYTES + 1];
    gwc_hex_key(key, hex);
    int rc = DNASYNC_OK;
    for (size_t at = 0; rc == 0 && at < n_ids; at += GW_IDS_MAX) {
        size_t k = n_ids - at < GW_IDS_MAX ? n_ids - at : GW_IDS_MAX;
        char *path = malloc(64 + 17 * k);
        if (!path) {
            rc = oom(err);
            break;
        }
        int len = snprintf(path, 64, "/v1/key/%s?ids=", hex);
        for (size_t i = 0; i < k; i++) {
            gwc_hex_id(ids[at + i], path + len);
            len += 16;
            path[len++] = i + 1 < k ? ',' : '\0';
        }
        gwc_response_t r;
        dnasync_net_value_t *v = NULL;
        size_t nv = 0;
        rc = gwc_request(of(net), "GET", path, NULL, &r, err);
        free(path);
        if (rc == 0)
            rc = gwc_parse_values(r.body, &v, &nv, err);
        gwc_response_free(&r);
        if (rc == 0 && append(out, count, v, nv) != 0)
            rc = oom(err);
    }
    if (rc != 0) {
        dnasync_net_values_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

/* The summaries of a catch-up window in one or two requests instead of 31. */
static void g_get_many(dnasync_net_t *net, dnasync_net_multi_t *items, size_t n)
{
    for (size_t at = 0; at < n; at += GW_GET_MAX) {
        size_t k = n - at < GW_GET_MAX ? n - at : GW_GET_MAX;
        char err[DNASYNC_NET_ERR_MAX];
        char *body = gwc_get_body(items + at, k);
        gwc_response_t r = {0};
        int rc = body ? gwc_request(of(net), "POST", "/v1/get", body, &r, err) : DNASYNC_ENOMEM;
        free(body);
        if (rc == 0)
            rc = gwc_parse_get_many(r.body, items + at, k, err);
        gwc_response_free(&r);
        for (size_t i = 0; rc != 0 && i < k; i++)
            items[at + i].rc = rc;
    }
}

static void g_cancel(dnasync_net_t *net, uint64_t token)
{
    gwc_cancel(of(net), token);
}

static int g_listen(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                    dnasync_net_listen_cb cb, void *user, uint64_t *token,
                    char err[DNASYNC_NET_ERR_MAX])
{
    return gwc_listen(of(net), key, cb, user, token, err);
}

static int g_stats(dnasync_net_t *net, dnasync_net_stats_t *out)
{
    gwc_t *g = of(net);
    size_t order[GW_MAX_URLS];
    size_t n = gwc_order(g, order);
    uint64_t now = dnasync_env_now_ms(g->env);
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    out->peers = 0;
    for (size_t i = 0; i < g->n_url; i++)
        out->peers += g->down_until_ms[i] <= now;
    snprintf(out->endpoint, sizeof out->endpoint, "%s", n ? g->url[order[0]] : "");
    pthread_mutex_unlock(&g->mu);
    return DNASYNC_OK;
}

static void g_free(dnasync_net_t *net)
{
    gwc_t *g = of(net);
    gwc_cancel_all(g);
    for (size_t i = 0; i < g->n_pool; i++)
        curl_easy_cleanup(g->pool[i]);
    for (size_t i = 0; i < g->n_url; i++)
        free(g->url[i]);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static const dnasync_net_ops_t gateway_ops = {
    .put = g_put,
    .get = g_get,
    .get_many = g_get_many,
    .list_ids = g_list_ids,
    .get_ids = g_get_ids,
    .listen = g_listen,
    .cancel = g_cancel,
    .stats = g_stats,
    .free = g_free,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int dnasync_net_gateway_url_check(const char *url, char *err, size_t errlen)
{
    size_t len = url ? strlen(url) : 0;
    if ((strncmp(url ? url : "", "http://", 7) != 0 &&
         strncmp(url ? url : "", "https://", 8) != 0) ||
        len < 9 || len > 512 || strpbrk(url, " \t\r\n?#")) {
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL,
                               "gateway must be an http:// or https:// URL, got '%s'",
                               url ? url : "");
    }
    return DNASYNC_OK;
}

int dnasync_net_gateway_new(const char *const *urls, size_t n, const dnasync_env_t *env,
                            dnasync_net_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (n == 0 || n > GW_MAX_URLS) {
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "between 1 and %d gateways, not %zu",
                               GW_MAX_URLS, n);
    }
    for (size_t i = 0; i < n; i++)
        if (dnasync_net_gateway_url_check(urls[i], err, errlen) != 0)
            return DNASYNC_EINVAL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        return dnasync_err_buf(err, errlen, DNASYNC_ERR, "libcurl: %s",
                               curl_easy_strerror(curl_init_rc));
    }
    gwc_t *g = calloc(1, sizeof *g);
    if (!g) {
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
    }
    g->base.ops = &gateway_ops;
    g->env = env ? env : dnasync_env_default();
    pthread_mutex_init(&g->mu, NULL);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(urls[i]);
        while (len > 0 && urls[i][len - 1] == '/')
            len--; /* routes start with '/' */
        if (!(g->url[i] = strndup(urls[i], len))) {
            g_free(&g->base);
            return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
        }
        g->n_url++;
    }
    snprintf(g->stats.endpoint, sizeof g->stats.endpoint, "%s", g->url[0]);
    *out = &g->base;
    return DNASYNC_OK;
}
