/* Test helpers for loopback networks: wait for an answered peer, pick a free TCP port. */
#ifndef DNASYNC_TEST_NETWAIT_H
#define DNASYNC_TEST_NETWAIT_H

#include "dht/dht.h"

/* ctx knows at least want nodes, one of them good (answered): a bootstrap address is only a
 * dubious node until it answers, and a single put through dubious nodes alone may fail at once
 * (test_dht_editions failed so in CI). One check, no wait. */
int tu_peers_ready(dht_storage_context_t *ctx, unsigned want);
/* Wait (<= 10 s) until tu_peers_ready(ctx, want); returns without failing after that (a put
 * the way the engine puts, tu_put_confirmed, still retries). */
void tu_wait_peers(dht_storage_context_t *ctx, unsigned want);
/* A loopback TCP port nobody listens on right now (the kernel picks it); CHECKs on failure. */
int tu_free_port(void);

#endif
