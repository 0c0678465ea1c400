/* Sync test harness: a loopback DHT of real OpenDHT nodes and devices that are real homes
 * (identity file, device_id, cache.db) with their own DHT node and environment. */
#ifndef DNASYNC_TEST_SYNC_NET_H
#define DNASYNC_TEST_SYNC_NET_H

#include "dht/dht.h"
#include "dnasync/home.h"
#include "net/net.h"
#include "testenv.h"

#define TNET_MAX 8

typedef struct tnet {
    dht_storage_context_t *nodes[TNET_MAX];
    size_t n;
    char boot[TNET_MAX][32]; /* "127.0.0.1:PORT" per node */
    char *dir;               /* temp root for the devices' homes */
    dnasync_net_t *mem;      /* tnet_start_memory: the in-memory store every device uses */
    test_clock_t clock;      /* the store's clock (its values' expiry) */
} tnet_t;

typedef struct tdev {
    char home[4200];
    dnasync_home_t *h;
    sync_context_t *sync;
    test_clock_t clock; /* used when the device runs on a test clock */
    dnasync_net_t *via; /* set before tdev_open: this transport instead of the net's (borrowed) */
} tdev_t;

/* n storage nodes, each bootstrapped to all earlier ones. full_mesh: wait (bounded) until every
 * node knows every other, as in a network that has run a while (takes OpenDHT ~20 s); otherwise
 * until each knows one peer. */
void tnet_start(tnet_t *net, size_t n, int full_mesh);
/* No network at all: every device opens on one in-memory store (dnasync_net_memory_new) whose
 * expiry clock is net->clock, starting at the real time. */
void tnet_start_memory(tnet_t *net);
/* Stop node i (simulates a node going away). */
void tnet_stop_node(tnet_t *net, size_t i);
void tnet_free(tnet_t *net);

/* A new identity `name` in a fresh home (tag names the folder). fake_clock: run on a test clock
 * starting at the real time (so the DHT's expiry agrees) instead of the real clock. */
void tdev_init(tdev_t *d, tnet_t *net, const char *tag, const char *name, int fake_clock);
/* Another device of d's identity, linked with a link code. */
void tdev_link(tdev_t *d, tdev_t *from, tnet_t *net, const char *tag, int fake_clock);
/* Open the home (going online through the first live node). */
void tdev_open(tdev_t *d, tnet_t *net);
/* Go offline (closes the home: cache, DHT node, background thread). */
void tdev_close(tdev_t *d);

/* Send text; returns the message id in out. */
void tdev_send(tdev_t *d, const char *to, const char *text, char out[65]);
/* One sync pass; CHECKs it succeeded and returns the counts. */
void tdev_sync(tdev_t *d, size_t *up, size_t *down, size_t *del);
/* Sync (bounded: 300 passes, 100 ms apart) until message id is in d's cache; CHECKs it arrived.
 * For values just put by another device, which reach every storing node a little later. */
void tdev_sync_until(tdev_t *d, const char *id);
/* Number of visible (non-deleted) messages in the inbox; texts joined with '|' into buf. */
size_t tdev_inbox(tdev_t *d, char *buf, size_t len);
/* Whether message id is visible in the inbox. */
int tdev_has(tdev_t *d, const char *id);

#endif
