/* A hostile peer for the sync tests: a stock OpenDHT node (dht::DhtRunner, no dnasync policies)
 * that joins the loopback network and stores and serves whatever the test crafts. */
#ifndef DNASYNC_TEST_HOSTILE_NODE_H
#define DNASYNC_TEST_HOSTILE_NODE_H

#include "dht/dht_keys.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hostile hostile_t;

/* Start on 127.0.0.1 (any port), bootstrapped to HOST:PORT; waits (bounded) for a peer. */
hostile_t *hostile_start(const char *bootstrap);
/* Put a value to the network as any OpenDHT client would (the storing nodes judge it); also
 * kept and served by the hostile peer itself. Waits for the put (bounded); 1 acknowledged. */
int hostile_put(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *val,
                size_t len, uint16_t type, uint64_t id);
/* The same for n values on one key, at most 64 in flight; returns how many were acknowledged. */
size_t hostile_put_many(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                        uint8_t *const *vals, const size_t *lens, const uint64_t *ids, size_t n,
                        uint16_t type);
/* Keep a value in the hostile peer's own store only (replacing what it holds under that id):
 * it is served to whoever asks this peer, never pushed to the others. */
int hostile_serve(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *val,
                  size_t len, uint16_t type, uint64_t id);
/* "127.0.0.1:PORT" of the hostile peer (devices are told about it like about any node). */
void hostile_addr(hostile_t *h, char out[32]);
void hostile_stop(hostile_t *h);

#ifdef __cplusplus
}
#endif
#endif
