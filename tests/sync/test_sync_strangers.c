/* More signed summaries on a day's key than a device checks in one pass (strangers' keys, as
 * anyone can make them) must not hide a real writer's summary for good. A device checks at most
 * DHT_SUMMARY_KEY_CAP summaries of keys it holds nothing of per pass, to bound its signature
 * checks; it used to take them in the order the key was read (value id from OpenDHT, insertion
 * order here), so the same 256 were checked every pass and the writer behind them never was
 * (CI, 2026-12-02: test_sync_flood, 272 summaries held by three honest nodes, bob's 17th from
 * the end: his message did not arrive in 60 passes). Now a summary checked before costs no
 * check, the rest are taken from a random point of the key each pass: every writer is reached
 * within a few passes while each pass stays bounded. In-memory store, real homes and crypto. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "hostile_net.h"
#include "verify_count.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STRANGERS 300 /* more than one pass checks, fewer than the verify memo holds */
#define PASSES 4

static void put_strangers(tnet_t *net, const char *mailbox, int64_t day)
{
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_sum(key, mailbox, day), 0);
    for (unsigned i = 0; i < STRANGERS; i++) {
        dnasync_net_put_t p;
        memset(&p, 0, sizeof p);
        uint8_t *val = NULL;
        memcpy(p.key, key, sizeof key);
        hnet_summary(&val, &p.len, &p.vid, mailbox, day, 0x300000 + i, i, 0, 0, 0);
        p.val = val;
        p.kind = DHT_KIND_SUMMARY;
        p.created = (int64_t)time(NULL);
        char err[DNASYNC_NET_ERR_MAX];
        CHECK_EQ_INT(net->mem->ops->put(net->mem, &p, 1, 0, err), 0);
        CHECK(p.ok);
        free(val);
    }
}

int main(void)
{
    tnet_t net;
    tnet_start_memory(&net);
    tdev_t alice, bob;
    tdev_init(&alice, &net, "alice-desktop", "alice", 0);
    tdev_init(&bob, &net, "bob-desktop", "bob", 0);
    tdev_open(&alice, &net);
    tdev_open(&bob, &net);
    tdev_sync(&alice, NULL, NULL, NULL); /* publish the identities */
    tdev_sync(&bob, NULL, NULL, NULL);

    /* The strangers come first, so bob's summary is the last one a read of the key returns. */
    put_strangers(&net, "alice", (int64_t)(time(NULL) / DNASYNC_DAY_S));
    char m[65];
    tdev_send(&bob, "alice", "behind 300 strangers", m);

    int arrived = 0;
    uint64_t most = 0;
    for (int i = 0; i < PASSES && !arrived; i++) {
        uint64_t before = verify_count();
        tdev_sync(&alice, NULL, NULL, NULL);
        uint64_t n = verify_count() - before;
        most = n > most ? n : most;
        arrived = tdev_has(&alice, m);
        fprintf(stderr, "pass %d: %llu signature checks, bob's message %s\n", i + 1,
                (unsigned long long)n, arrived ? "arrived" : "not yet");
    }
    CHECK(arrived);
    /* each pass stays bounded: the strangers' summaries, plus a few values and identities */
    CHECK(most <= DHT_SUMMARY_KEY_CAP + 16);
    tdev_close(&alice);
    tdev_close(&bob);
    tnet_free(&net);
    return 0;
}
