/* The gateway client's HTTP core: libcurl handles from a small pool (keep-alive connections
 * survive between requests), the gateways tried in order with failover, counters. */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "net/gwc.h"

#include "dnasync/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gwc_response_free(gwc_response_t *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    gwc_response_t *r = user;
    size_t add = size * n;
    if (r->len + add > GW_MAX_BODY)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    char *grown = realloc(r->body, r->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + r->len, data, add);
    r->body = grown;
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static CURL *take_handle(gwc_t *g)
{
    pthread_mutex_lock(&g->mu);
    CURL *c = g->n_pool ? g->pool[--g->n_pool] : NULL;
    pthread_mutex_unlock(&g->mu);
    if (c)
        curl_easy_reset(c); /* options go, cached connections stay */
    else
        c = curl_easy_init();
    return c;
}

static void give_handle(gwc_t *g, CURL *c)
{
    pthread_mutex_lock(&g->mu);
    if (g->n_pool < GW_POOL) {
        g->pool[g->n_pool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&g->mu);
    curl_easy_cleanup(c);
}

size_t gwc_order(gwc_t *g, size_t order[GW_MAX_URLS])
{
    uint64_t now = dnasync_env_now_ms(g->env);
    size_t n = 0;
    pthread_mutex_lock(&g->mu);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < g->n_url; i++)
            if ((g->down_until_ms[i] <= now) == (pass == 0))
                order[n++] = i;
    pthread_mutex_unlock(&g->mu);
    return n;
}

void gwc_mark(gwc_t *g, size_t i, bool ok)
{
    uint64_t now = dnasync_env_now_ms(g->env);
    pthread_mutex_lock(&g->mu);
    g->down_until_ms[i] = ok ? 0 : now + GW_RETRY_MS;
    pthread_mutex_unlock(&g->mu);
}

void gwc_count(gwc_t *g, CURL *c)
{
    curl_off_t up = 0, down = 0;
    long req_hdr = 0, resp_hdr = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &req_hdr);
    curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &resp_hdr);
    pthread_mutex_lock(&g->mu);
    g->stats.requests++;
    g->stats.bytes_out += (uint64_t)up + (uint64_t)req_hdr;
    g->stats.bytes_in += (uint64_t)down + (uint64_t)resp_hdr;
    pthread_mutex_unlock(&g->mu);
}

/* The status code for an HTTP answer the gateway gave on purpose (docs/gateway.md "Errors"). */
static int code_of(long status)
{
    switch (status) {
    case 400: return DNASYNC_EINVAL;
    case 404: return DNASYNC_ENOTFOUND;
    case 413: return DNASYNC_ETOOBIG;
    case 403: return DNASYNC_EAUTH;
    case 504: return DNASYNC_ETIMEOUT;
    default: return DNASYNC_EDHT;
    }
}

/* One try at gateway i. 1: an answer that ends the request (2xx or a 4xx that another gateway
 * would give too); 0: try the next gateway. */
static int try_one(gwc_t *g, size_t i, const char *method, const char *path, const char *body,
                   gwc_response_t *out, int *rc, char *err)
{
    CURL *c = take_handle(g);
    if (!c) {
        *rc = dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
        return 1;
    }
    char url[1024];
    snprintf(url, sizeof url, "%s%s", g->url[i], path);
    struct curl_slist *hdr =
        body ? curl_slist_append(NULL, "Content-Type: application/json") : NULL;
    memset(out, 0, sizeof *out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)GW_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)GW_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    gwc_count(g, c);
    curl_slist_free_all(hdr);
    give_handle(g, c);
    out->status = status;
    if (cc != CURLE_OK || status == 429 || status >= 500) {
        /* not yet the call's failure (the next gateway may answer): the buffer only; the
         * thread's last error is set when every gateway failed (gwc_request) */
        if (cc != CURLE_OK)
            snprintf(err, DNASYNC_NET_ERR_MAX, "gateway %s: %s", g->url[i], curl_easy_strerror(cc));
        else
            snprintf(err, DNASYNC_NET_ERR_MAX, "gateway %s: HTTP %ld %.150s", g->url[i], status,
                     out->body ? out->body : "");
        *rc = cc == CURLE_OPERATION_TIMEDOUT ? DNASYNC_ETIMEOUT : code_of(status);
        gwc_response_free(out);
        if (status != 429) /* a rate limit is no outage: the gateway stays first */
            gwc_mark(g, i, false);
        return 0;
    }
    gwc_mark(g, i, true);
    if (status < 200 || status > 299) {
        *rc = dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, code_of(status),
                              "gateway %s%s: HTTP %ld %.150s", g->url[i], path, status,
                              out->body ? out->body : "");
        gwc_response_free(out);
        return 1;
    }
    *rc = DNASYNC_OK;
    return 1;
}

int gwc_request(gwc_t *g, const char *method, const char *path, const char *body,
                gwc_response_t *out, char err[DNASYNC_NET_ERR_MAX])
{
    int rc = DNASYNC_EDHT;
    snprintf(err, DNASYNC_NET_ERR_MAX, "no gateway configured");
    for (int attempt = 0; attempt < GW_RATE_RETRIES; attempt++) {
        size_t order[GW_MAX_URLS];
        size_t n = gwc_order(g, order);
        bool limited = false;
        for (size_t k = 0; k < n; k++) {
            if (try_one(g, order[k], method, path, body, out, &rc, err))
                return rc;
            limited = limited || out->status == 429;
        }
        if (!limited)
            break;
        /* every gateway asked us to slow down (Retry-After: 1): wait, then ask again */
        nanosleep(&(struct timespec){1, 0}, NULL);
    }
    char last[DNASYNC_NET_ERR_MAX];
    snprintf(last, sizeof last, "%s", err);
    if (g->n_url > 1) /* every one failed: say so, with the last one's reason */
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc,
                               "none of %zu gateways answered; %.200s", g->n_url, last);
    return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, rc, "%s", last);
}
