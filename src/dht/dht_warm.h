/* Internal: warming a node's routing table before a device relies on it (the daemon's
 * readiness, docs/rpc.md "Ready").
 *
 * Why: a node that joins learns from its peers the addresses of nodes that have left (a one-shot
 * command's node, a device that quit), and OpenDHT 2.4 waits for each of them in every new search
 * (~1.1 s) until one request to it has run out its three attempts (~7-10 s), and only then gives
 * the node up; none of it is configurable (bench/BENCHMARKS.notes.md, row 9). Searching early
 * makes those waits happen before the device's first send instead of inside it. */
#ifndef DNASYNC_DHT_WARM_H
#define DNASYNC_DHT_WARM_H

#include "dht/dht.h"

#include <stdatomic.h>
#include <stdint.h>

#define DHT_WARM_KEYS 16 /* searches, at keys spread evenly over the key space */

/* The warm-up of one node: searches started and ended so far (counted on the DHT thread). */
typedef struct dht_warm {
    _Atomic int started, ended;
} dht_warm_t;

/* Start the warm-up searches (id listings whose answers are dropped; nothing waits for them).
 * Each asks the nodes nearest its key, so together they reach every node of the routing table
 * on a network of up to ~DHT_WARM_KEYS x 14 nodes, and learn the nodes those know. w is zeroed
 * here and must stay valid until ctx is freed (the searches end on the DHT thread). */
void dht_warm_start(dht_storage_context_t *ctx, dht_warm_t *w);

/* The routing table now: nodes that answered, and nodes neither answered nor given up yet. */
typedef struct dht_warm_state {
    uint32_t answered, unanswered;
} dht_warm_state_t;
/* 1 when warm: every warm-up search ended (so the nodes they learned are in the table), a node
 * answered and none is left waiting for an answer; 0 not yet, negative when the stats are
 * unavailable. st (may be NULL) gets the counts. */
int dht_warm_done(dht_storage_context_t *ctx, const dht_warm_t *w, dht_warm_state_t *st);

#endif
