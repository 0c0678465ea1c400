/* Forged values never touch the cache: a message that claims to be from Alice but is signed by
 * Mallory, and a tombstone for Alice's message signed by someone else, are refused and counted.
 * Mallory also publishes a summary so the readers really fetch and judge her values. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/ids.h"
#include "dht/dht.h"
#include "dnasync/identity.h"
#include "sync_testnet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_signed(dht_storage_context_t *node, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                       dht_value_t *v, const uint8_t sk[32], uint16_t type)
{
    CHECK_EQ_INT(dht_value_sign(v, sk), 0);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(dht_value_encode(v, &buf, &len), 0);
    dht_put_item_t it;
    memset(&it, 0, sizeof it);
    memcpy(it.key, key, DNASYNC_DHT_KEY_BYTES);
    it.value = buf;
    it.len = len;
    it.type = type;
    it.id = dht_value_id(v);
    CHECK_EQ_INT(dht_put_batch(node, &it, 1), 1);
    free(buf);
}

/* Mallory's summary for one shard of (mailbox, day), claiming the value vid. */
static void put_summary(dht_storage_context_t *node, const char *mailbox, int64_t day, int shard,
                        uint64_t vid, const uint8_t sk[32], uint8_t writer)
{
    dht_summary_entry_t e = {(uint8_t)shard, 1, vid};
    dht_value_t s;
    memset(&s, 0, sizeof s);
    s.version = DHT_VALUE_FORMAT;
    s.kind = DHT_KIND_SUMMARY;
    s.created_at = (uint64_t)time(NULL);
    s.mailbox = (char *)mailbox;
    s.day = (uint64_t)day;
    memset(s.writer_id, writer, sizeof s.writer_id);
    s.counter = 1;
    s.entries = &e;
    s.n_entries = 1;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_sum(key, mailbox, day), 0);
    put_signed(node, key, &s, sk, DNASYNC_DHT_TYPE_SUMMARY);
}

int main(void)
{
    tnet_t net;
    tdev_t desk, mob, bob;
    tnet_start(&net, 2, 0);
    tdev_init(&desk, &net, "alice-desktop", "alice", 0);
    tdev_link(&mob, &desk, &net, "alice-mobile", 0);
    tdev_init(&bob, &net, "bob", "bob", 0);
    tdev_open(&desk, &net);
    tdev_open(&mob, &net);
    tdev_open(&bob, &net);
    tdev_sync(&desk, NULL, NULL, NULL);
    tdev_sync(&bob, NULL, NULL, NULL);
    uint8_t mallory[32];
    memset(mallory, 0x4d, sizeof mallory);
    int64_t day = (int64_t)(time(NULL) / DNASYNC_DAY_S);

    /* 1. "From alice" to bob, signed by Mallory. */
    dht_value_t m;
    memset(&m, 0, sizeof m);
    m.version = DHT_VALUE_FORMAT;
    m.kind = DHT_KIND_MESSAGE;
    m.created_at = (uint64_t)time(NULL);
    m.sender = "alice";
    m.recipient = "bob";
    uint8_t payload[100];
    memset(payload, 0xab, sizeof payload);
    m.payload = payload;
    m.payload_len = sizeof payload;
    CHECK_EQ_INT(
        dnasync_message_id("alice", "bob", m.created_at, payload, sizeof payload, m.message_id), 0);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    int shard = dht_shard_of(m.message_id);
    CHECK_EQ_INT(dht_key_box(key, "bob", day, shard), 0);
    put_signed(net.nodes[0], key, &m, mallory, DNASYNC_DHT_TYPE_MESSAGE);
    put_summary(net.nodes[0], "bob", day, shard, dht_value_id(&m), mallory, 1);
    size_t down = 0;
    tdev_sync(&bob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 0);
    CHECK(!tdev_has(&bob, m.message_id));
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(bob.sync, &st), 0);
    CHECK(st.rejected_values >= 1);

    /* 2. A tombstone for Alice's message, signed by Mallory, in Alice's mailbox. */
    char id[65];
    tdev_send(&desk, "alice", "keep me", id);
    dht_value_t t;
    memset(&t, 0, sizeof t);
    t.version = DHT_VALUE_FORMAT;
    t.kind = DHT_KIND_TOMBSTONE;
    t.created_at = t.deleted_at = (uint64_t)time(NULL);
    memcpy(t.message_id, id, sizeof t.message_id);
    t.owner = "alice";
    shard = dht_shard_of(id);
    CHECK_EQ_INT(dht_key_box(key, "alice", day, shard), 0);
    put_signed(net.nodes[0], key, &t, mallory, DNASYNC_DHT_TYPE_TOMBSTONE);
    put_summary(net.nodes[0], "alice", day, shard, dht_value_id(&t), mallory, 2);
    size_t del = 0;
    tdev_sync(&mob, NULL, &down, &del);
    CHECK_EQ_INT(del, 0);
    CHECK(tdev_has(&mob, id)); /* still there */
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK(st.rejected_values >= 1);
    /* Mallory's summary names a value nobody can accept: that day stays unverified (told). */
    CHECK(st.verified_days < st.window_days);

    /* 3. Signed by Alice's real key, but the message id does not match the content. */
    dnasync_identity_t *alice = NULL;
    char err[256];
    CHECK_EQ_INT(dnasync_identity_load(desk.home, &alice, err, sizeof err), 0);
    dht_value_t x = m;
    uint8_t other[100];
    memset(other, 0xcd, sizeof other);
    x.payload = other;
    x.created_at = m.created_at + 1; /* the id is computed for another second */
    CHECK_EQ_INT(
        dnasync_message_id("alice", "bob", m.created_at, other, sizeof other, x.message_id), 0);
    shard = dht_shard_of(x.message_id);
    CHECK_EQ_INT(dht_key_box(key, "bob", day, shard), 0);
    put_signed(net.nodes[0], key, &x, alice->sign_sk, DNASYNC_DHT_TYPE_MESSAGE);
    put_summary(net.nodes[0], "bob", day, shard, dht_value_id(&x), mallory, 3);
    CHECK_EQ_INT(sync_get_status(bob.sync, &st), 0);
    uint64_t rejected = st.rejected_values;
    tdev_sync(&bob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 0);
    CHECK(!tdev_has(&bob, x.message_id));
    CHECK_EQ_INT(sync_get_status(bob.sync, &st), 0);
    CHECK(st.rejected_values > rejected);
    /* the count survives a restart (status of a fresh CLI run shows it too) */
    rejected = st.rejected_values;
    tdev_close(&bob);
    tdev_open(&bob, &net);
    CHECK_EQ_INT(sync_get_status(bob.sync, &st), 0);
    CHECK_EQ_INT(st.rejected_values, rejected);
    dnasync_identity_free(alice);

    tdev_close(&bob);
    tdev_close(&mob);
    tdev_close(&desk);
    tnet_free(&net);
    return 0;
}
