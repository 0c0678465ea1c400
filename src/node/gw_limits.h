/* Internal: the gateway's per-client limits (docs/gateway.md "Limits"): a token bucket of
 * requests and a count of open listens per client address. A fixed table: the least recently
 * seen address is forgotten when it is full (its bucket starts full again). Thread-safe. */
#ifndef DNASYNC_GW_LIMITS_H
#define DNASYNC_GW_LIMITS_H

#include <pthread.h>
#include <stdint.h>

#define GW_LIMIT_CLIENTS 512

typedef struct gw_client {
    char addr[48];
    double tokens;
    uint64_t last_ms;
    int listens;
} gw_client_t;

typedef struct gw_limits {
    pthread_mutex_t mu;
    double rate, burst; /* requests per second, bucket size */
    int max_listens;
    gw_client_t c[GW_LIMIT_CLIENTS];
} gw_limits_t;

void gw_limits_init(gw_limits_t *l, double rate, int max_listens);
void gw_limits_free(gw_limits_t *l);
/* 1 when addr may make a request at now_ms (one token taken), 0 when over its rate. */
int gw_limits_request(gw_limits_t *l, const char *addr, uint64_t now_ms);
/* 1 when addr may open one more listen (counted), 0 at its limit. */
int gw_limits_listen_open(gw_limits_t *l, const char *addr, uint64_t now_ms);
void gw_limits_listen_close(gw_limits_t *l, const char *addr);

#endif
