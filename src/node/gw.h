/* Internal: the validating HTTP gateway of `dnasync node --gateway-port` (docs/gateway.md), in
 * front of the node's own DHT context. libmicrohttpd, one thread per connection. */
#ifndef DNASYNC_GW_H
#define DNASYNC_GW_H

#include "dht/dht.h"
#include "dht/dht_keys.h"
#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#define GW_MAX_ORIGINS 16
#define GW_DEFAULT_RATE 100 /* requests per second per client address (bursts of twice that) */
#define GW_MAX_LISTENS 8    /* open listens per client address */
#define GW_MAX_CONNECTIONS 64
#define GW_MAX_PER_CLIENT 16

typedef struct gw gw_t;

typedef struct gw_config {
    const char *bind;           /* IPv4 or IPv6 literal; NULL = "127.0.0.1" */
    uint16_t port;              /* 0 = any (see gw_port) */
    const char *const *origins; /* --allow-origin values ("*" = any), n_origins of them */
    size_t n_origins;
    int rate;                 /* 0 = GW_DEFAULT_RATE */
    const dnasync_env_t *env; /* NULL = real clock */
    const char *web_root;     /* the web device's files; NULL = $DNASYNC_WEB_ROOT, else the ones
                                 beside the program (node/gw_static.h) */
} gw_config_t;

/* Start serving. dht is borrowed and must outlive gw_stop. *out freed with gw_stop. 0 ok;
 * DNASYNC_EINVAL (bad bind address), DNASYNC_EIO (cannot listen) with err set. */
int gw_start(dht_storage_context_t *dht, const gw_config_t *cfg, gw_t **out, char *err,
             size_t errlen);
uint16_t gw_port(const gw_t *gw);
/* Refuse new requests (503), end every listen stream, wait for running requests, cancel the DHT
 * listens, free. NULL is fine. */
void gw_stop(gw_t *gw);

#endif
