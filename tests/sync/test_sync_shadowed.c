/* Issue 10 D3: a forged value that reuses a real message's value id, served by a plain node.
 * The reader refused it and remembered the refusal by value id alone, so the genuine message
 * under that id was never fetched. Now a refusal is remembered by (value id, content hash): the
 * genuine value is still fetched and delivered.
 * Deterministic order: bob writes the message while offline (its id is known, nothing is on the
 * DHT yet); the hostile peer serves a forgery under that id, announced by Mallory's summary;
 * alice's device refuses it; then bob goes online and uploads the real one. */
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
    tdev_t desk, bob;
    tdev_init(&desk, &net.devs, "alice-desktop", "alice", 0);
    tdev_init(&bob, &net.devs, "bob", "bob", 0);
    hnet_open(&net, &desk);
    hnet_open(&net, &bob);
    tdev_sync(&desk, NULL, NULL, NULL);
    char first[65], id[65];
    tdev_send(&bob, "alice", "hello (bob learns alice's key)", first);
    CHECK(hnet_sync_for(&desk, first, 30));

    /* Bob offline: the message is sealed and cached, its id known, not yet on the DHT. */
    tdev_close(&bob);
    hnet_open_offline(&bob);
    tdev_send(&bob, "alice", "the genuine one", id);
    int64_t day = (int64_t)(time(NULL) / DNASYNC_DAY_S);
    int shard = dht_shard_of(id);
    uint64_t vid = dht_message_value_id(id);

    /* The forgery: same message id field (so the same value id), other content, Mallory's key. */
    dht_value_t m;
    memset(&m, 0, sizeof m);
    m.version = DHT_VALUE_FORMAT;
    m.kind = DHT_KIND_MESSAGE;
    m.created_at = (uint64_t)time(NULL);
    memcpy(m.message_id, id, sizeof m.message_id);
    m.sender = "bob";
    m.recipient = "alice";
    uint8_t junk[200], sk[32];
    memset(junk, 0xee, sizeof junk);
    memset(sk, 0x4d, sizeof sk);
    m.payload = junk;
    m.payload_len = sizeof junk;
    CHECK_EQ_INT(dht_value_sign(&m, sk), 0);
    uint8_t *val = NULL, key[DNASYNC_DHT_KEY_BYTES];
    size_t len = 0;
    CHECK_EQ_INT(dht_value_encode(&m, &val, &len), 0);
    CHECK_EQ_INT(dht_value_id(&m), vid);
    CHECK_EQ_INT(dht_key_box(key, "alice", day, shard), 0);
    CHECK_EQ_INT(hostile_serve(net.hostile, key, val, len, DNASYNC_DHT_TYPE_MESSAGE, vid), 1);
    free(val);
    uint64_t svid = 0;
    CHECK_EQ_INT(dht_key_sum(key, "alice", day), 0);
    hnet_summary(&val, &len, &svid, "alice", day, 0x4d, 0x4d, shard, 1, vid);
    CHECK_EQ_INT(hostile_put(net.hostile, key, val, len, DNASYNC_DHT_TYPE_SUMMARY, svid), 1);
    free(val);

    /* Alice's device meets the forgery first and refuses it. */
    sync_status_t st;
    uint64_t before = 0;
    CHECK_EQ_INT(sync_get_status(desk.sync, &st), 0);
    before = st.rejected_values;
    for (int i = 0; i < 100 && st.rejected_values == before; i++) {
        size_t up, down, del;
        (void)sync_pass(desk.sync, &up, &down, &del);
        CHECK_EQ_INT(sync_get_status(desk.sync, &st), 0);
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    }
    CHECK(st.rejected_values > before);
    CHECK(!tdev_has(&desk, id));

    /* Bob comes online; the real message goes out under the same value id. */
    tdev_close(&bob);
    hnet_open(&net, &bob);
    size_t up = 0;
    tdev_sync(&bob, &up, NULL, NULL);
    CHECK_EQ_INT(up, 1);
    CHECK(hnet_sync_for(&desk, id, 30));
    char text[256];
    tdev_inbox(&desk, text, sizeof text);
    CHECK(strstr(text, "the genuine one") != NULL);
    /* Mallory's summary still claims a value of hers nobody holds: not verified, and said. */
    char why[256];
    CHECK(!hnet_today_verified(&desk, why, sizeof why));
    fprintf(stderr, "desktop, today: %s\n", why);
    CHECK(why[0] != '\0');

    tdev_close(&bob);
    tdev_close(&desk);
    hnet_stop(&net);
    return 0;
}
