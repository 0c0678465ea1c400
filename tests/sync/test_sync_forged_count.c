/* Issue 10 D2: a stranger's summary [shard, 0xFFFFFFFF, vid] on alice's day key. Summed with
 * bob's real summary it wrapped the count to 0 and XORed bob's value id away, so the shard
 * compared equal: bob's message never reached any of alice's devices while the day showed
 * verified. Now a summary speaks only for values its own author signed: the message arrives
 * (also at a new device) and the day stays unverified, with the reason reported.
 * Real `dnasync node` processes, a stock OpenDHT hostile peer, real device homes. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "hostile_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void)
{
    hnet_t net;
    hnet_start(&net);
    tdev_t desk, mob, bob;
    tdev_init(&desk, &net.devs, "alice-desktop", "alice", 0);
    tdev_init(&bob, &net.devs, "bob", "bob", 0);
    hnet_open(&net, &desk);
    hnet_open(&net, &bob);
    tdev_sync(&desk, NULL, NULL, NULL); /* alice's identity record goes out */

    /* Bob's message to alice; its id, shard and value id are known once it is sent. */
    char id[65];
    tdev_send(&bob, "alice", "the one they hide", id);
    int64_t day = (int64_t)(time(NULL) / DNASYNC_DAY_S);
    int shard = dht_shard_of(id);
    uint64_t vid = dht_message_value_id(id);

    /* Mallory's summary cancels exactly that value in a sum of uint32 counts and XORs. */
    uint8_t key[DNASYNC_DHT_KEY_BYTES], *val = NULL;
    size_t len = 0;
    uint64_t svid = 0;
    CHECK_EQ_INT(dht_key_sum(key, "alice", day), 0);
    hnet_summary(&val, &len, &svid, "alice", day, 0x4d, 0x4d, shard, 0xFFFFFFFFu, vid);
    CHECK_EQ_INT(hostile_put(net.hostile, key, val, len, DNASYNC_DHT_TYPE_SUMMARY, svid), 1);
    free(val);

    CHECK(hnet_sync_for(&desk, id, 15));
    char why[256];
    CHECK(!hnet_today_verified(&desk, why, sizeof why));
    fprintf(stderr, "desktop, today: %s\n", why);
    CHECK(strstr(why, "summary") != NULL);

    /* A device linked afterwards gets it too, and is told the same. */
    tdev_link(&mob, &desk, &net.devs, "alice-mobile", 0);
    hnet_open(&net, &mob);
    CHECK(hnet_sync_for(&mob, id, 15));
    CHECK(!hnet_today_verified(&mob, why, sizeof why));
    CHECK(strstr(why, "summary") != NULL);

    tdev_close(&mob);
    tdev_close(&bob);
    tdev_close(&desk);
    hnet_stop(&net);
    return 0;
}
