/* Internal: the gateway client's HTTP core (docs/gateway.md): the gateways in failover order,
 * a pool of libcurl handles, the request loop and the counters. */
#ifndef DNASYNC_NET_GWC_H
#define DNASYNC_NET_GWC_H

#include "net/net.h"

#include <curl/curl.h>
#include <pthread.h>

#define GW_MAX_URLS 8
#define GW_RETRY_MS 5000    /* a gateway that failed is skipped this long, then tried first again */
#define GW_CONNECT_MS 3000  /* per connection attempt */
#define GW_TIMEOUT_MS 20000 /* per request: above the gateway's own DHT timeout (10 s) */
#define GW_MAX_BODY (16u << 20) /* largest answer read */
#define GW_POOL 32
#define GW_RATE_RETRIES 30 /* 1 s waits while every gateway answers 429 */

typedef struct gwc {
    dnasync_net_t base;
    const dnasync_env_t *env;
    char *url[GW_MAX_URLS]; /* base URLs, no trailing '/' */
    size_t n_url;
    pthread_mutex_t mu; /* everything below */
    uint64_t down_until_ms[GW_MAX_URLS];
    CURL *pool[GW_POOL];
    size_t n_pool;
    dnasync_net_stats_t stats;
    struct gwc_listen *listens;
} gwc_t;

typedef struct gwc_response {
    long status; /* HTTP status */
    char *body;  /* NUL-terminated, malloc'd (gwc_response_free) */
    size_t len;
} gwc_response_t;
void gwc_response_free(gwc_response_t *r);

/* A request to the first usable gateway (docs/transport.md "Failover"): on a transport error or
 * 5xx the next one is tried and the failed one is skipped for GW_RETRY_MS; on 429 the next one
 * is tried, and when all are rate-limited the request waits 1 s and asks again (bounded). body NULL
 * = GET. A 2xx answer is DNASYNC_OK; another answer is a status code with its message in err. */
int gwc_request(gwc_t *g, const char *method, const char *path, const char *body,
                gwc_response_t *out, char err[DNASYNC_NET_ERR_MAX]);

/* The order to try the gateways in at env time now_ms: the usable ones first, in the configured
 * order, then the skipped ones (a last resort beats no answer). Returns how many (n_url). */
size_t gwc_order(gwc_t *g, size_t order[GW_MAX_URLS]);
void gwc_mark(gwc_t *g, size_t i, bool ok);
/* Adds a finished transfer's sizes to the counters. */
void gwc_count(gwc_t *g, CURL *c);

/* --- gwc_json.c --- */
/* {"values":[{"id","data"},...]} -> values (*out caller frees with dnasync_net_values_free). */
int gwc_parse_values(const char *json, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX]);
/* One value object {"id","kind","data"} (SSE events). data malloc'd. */
int gwc_parse_value(const char *json, uint64_t *id, uint8_t **data, size_t *len);
/* {"ids":[...]} -> *ids malloc'd. */
int gwc_parse_ids(const char *json, uint64_t **ids, size_t *count, char err[DNASYNC_NET_ERR_MAX]);
/* {"values":[P,...]} for items; malloc'd string. */
char *gwc_put_body(const dnasync_net_put_t *items, size_t n);
/* {"results":[{"status"},...]}: items[i].ok = status "stored"; the first other status in err. */
int gwc_parse_put(const char *json, dnasync_net_put_t *items, size_t n,
                  char err[DNASYNC_NET_ERR_MAX]);
/* {"keys":[...]} for items. */
char *gwc_get_body(const dnasync_net_multi_t *items, size_t n);
/* {"results":[{"key","values"}|{"key","error"}]} into items (rc, vals, count). */
int gwc_parse_get_many(const char *json, dnasync_net_multi_t *items, size_t n,
                       char err[DNASYNC_NET_ERR_MAX]);
/* "%016llx" and 40 hex of a key. */
void gwc_hex_id(uint64_t id, char out[17]);
void gwc_hex_key(const uint8_t key[DNASYNC_DHT_KEY_BYTES], char out[2 * DNASYNC_DHT_KEY_BYTES + 1]);

/* --- gwc_listen.c --- */
int gwc_listen(gwc_t *g, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnasync_net_listen_cb cb,
               void *user, uint64_t *token, char err[DNASYNC_NET_ERR_MAX]);
void gwc_cancel(gwc_t *g, uint64_t token);
void gwc_cancel_all(gwc_t *g);

#endif
