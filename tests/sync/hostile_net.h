/* The network of the hostile-peer tests: real `dnasync node` processes on loopback, a hostile
 * stock OpenDHT peer among them, and device homes opened against the nodes. */
#ifndef DNASYNC_TEST_HOSTILE_NET_H
#define DNASYNC_TEST_HOSTILE_NET_H

#include "hostile_node.h"
#include "sync_testnet.h"

#include <sys/types.h>

#define HNET_NODES 3

typedef struct hnet {
    pid_t pid[HNET_NODES];
    char boot[HNET_NODES][32];
    hostile_t *hostile;
    tnet_t devs; /* only its dir is used: the devices' homes */
} hnet_t;

/* Start the node processes, then the hostile peer (bootstrapped to them). */
void hnet_start(hnet_t *net);
/* Open a device home against the nodes (network on). */
void hnet_open(hnet_t *net, tdev_t *d);
/* Open a device home with no network: what it sends stays pending. */
void hnet_open_offline(tdev_t *d);
/* Stop the hostile peer (if still running) and every node process by its PID. */
void hnet_stop(hnet_t *net);

/* Sync d up to `passes` times (bounded) until message id is in its cache; 1 if it arrived. */
int hnet_sync_for(tdev_t *d, const char *id, int passes);
/* Today's day status of d (CHECKs it is found); problem text copied into why. */
int hnet_today_verified(tdev_t *d, char *why, size_t len);

/* A signed SUMMARY of (mailbox, day) by the key seeded from seed, one entry [shard, count, x]
 * (count 0: no entries). *out malloc'd. */
void hnet_summary(uint8_t **out, size_t *len, uint64_t *vid, const char *mailbox, int64_t day,
                  unsigned seed, uint32_t writer, int shard, uint32_t count, uint64_t x);

#endif
