/* Internal: OpenDHT's REST proxy (DhtProxyServer) for browser devices, used by `dnasync node`.
 * DhtProxyServer needs a dht::DhtRunner, so the proxy runs its own small client node bound to
 * loopback and bootstrapped to the dnasync node beside it (see docs/dht.md, "REST proxy"). */
#ifndef DNASYNC_DHT_PROXY_H
#define DNASYNC_DHT_PROXY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dht_proxy dht_proxy_t;

/* node: "HOST:PORT" of the dnasync node to join. *out freed with dht_proxy_stop. */
int dht_proxy_start(const char *node, const char *bind, uint16_t port, dht_proxy_t **out, char *err,
                    size_t errlen);
void dht_proxy_stop(dht_proxy_t *p); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
