/* Test helper: a hostile plain OpenDHT peer (stock dht::DhtRunner, no dnasync policies) that
 * stores and serves crafted values on a loopback dnasync network. */
#ifndef DNASYNC_TEST_HOSTILE_PEER_H
#define DNASYNC_TEST_HOSTILE_PEER_H

#include "dht/dht_keys.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hostile_peer hostile_peer_t;

/* Join the network through bootstrap ("127.0.0.1:PORT"); NULL on failure. */
hostile_peer_t *hp_start(const char *bootstrap);
/* Plain put of val (type, id) at key; 0 when OpenDHT reported it stored (bounded wait). */
int hp_put(hostile_peer_t *hp, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint16_t type, uint64_t id,
           const uint8_t *val, size_t len);
/* Shut it down and free it (NULL is a no-op). */
void hp_stop(hostile_peer_t *hp);

#ifdef __cplusplus
}
#endif
#endif
