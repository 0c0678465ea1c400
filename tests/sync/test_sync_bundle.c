/* Bundles on real loopback nodes (issue 14):
 * 1. mixed versions: a device catches up on a window holding old single-message values
 *    (format 1: two messages and a tombstone, each counted by an old device's summary) and
 *    new bundles, and verifies every day;
 * 2. a bundle with one forged member (a message id that is not its content's, or a message
 *    whose sender is not the signer) is refused as a whole: no member reaches the cache, one
 *    refusal counted per bundle; the genuine member alone, in its own bundle, arrives. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/ids.h"
#include "dht/dht.h"
#include "dnasync/identity.h"
#include "sync/sync_cache_add.h"
#include "sync_testnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static tnet_t net;
static int64_t day;

static void put_raw(const uint8_t key[DNASYNC_DHT_KEY_BYTES], dht_value_t *v, const uint8_t sk[32])
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
    it.type = dht_type_of_kind(v->kind);
    it.id = dht_value_id(v);
    it.created = v->created_at; /* when its content was made (net/net.h) */
    /* a young search may report a failure: put the way the engine does, a few times */
    int ok = 0;
    for (int i = 0; i < 5 && !ok; i++)
        ok = dht_put_batch(net.nodes[i % net.n], &it, 1) == 1;
    CHECK(ok);
    free(buf);
}

/* An old or forged writer's summary of alice's day: one entry per value. */
static void put_summary(const uint8_t sk[32], uint8_t writer, const int *shards,
                        const uint64_t *vids, size_t n)
{
    dht_summary_entry_t e[8];
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < ne && e[j].shard != shards[i])
            j++;
        if (j == ne)
            e[ne++] = (dht_summary_entry_t){(uint8_t)shards[i], 0, 0};
        e[j].count++;
        e[j].xor_ids ^= vids[i];
    }
    for (size_t a = 0; a < ne; a++) /* shards ascending */
        for (size_t b = a + 1; b < ne; b++)
            if (e[b].shard < e[a].shard) {
                dht_summary_entry_t t = e[a];
                e[a] = e[b];
                e[b] = t;
            }
    dht_value_t s;
    memset(&s, 0, sizeof s);
    s.version = DHT_VALUE_FORMAT;
    s.kind = DHT_KIND_SUMMARY;
    s.created_at = (uint64_t)time(NULL);
    s.mailbox = "alice";
    s.day = (uint64_t)day;
    memset(s.writer_id, writer, sizeof s.writer_id);
    s.counter = 1;
    s.entries = e;
    s.n_entries = ne;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_sum(key, "alice", day), 0);
    put_raw(key, &s, sk);
}

/* A message "from bob" sealed to alice, kept in desk's cache as synced (never uploaded by it):
 * the content an old device of bob's would have put. shard >= 0: retried until it lands there. */
static void sealed_from_bob(tdev_t *desk, const char *text, int shard, message_info_t *out)
{
    char id[65];
    for (int i = 0; i < 4000; i++) {
        char t[64];
        snprintf(t, sizeof t, "%s %d", text, i);
        CHECK_EQ_INT(sync_cache_add_text(desk->sync, "bob", "alice", t, 0, true, id), 0);
        if (shard < 0 || dht_shard_of(id) == shard)
            break;
    }
    CHECK(shard < 0 || dht_shard_of(id) == shard);
    memset(out, 0, sizeof *out);
    CHECK_EQ_INT(sync_get_message(desk->sync, id, out), 0);
}

static void put_old_message(const message_info_t *m, const uint8_t sk[32], uint64_t *vid)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_MESSAGE;
    v.created_at = (uint64_t)m->created_at;
    memcpy(v.message_id, m->message_id, 65);
    v.sender = m->sender;
    v.recipient = m->recipient;
    v.payload = m->ciphertext;
    v.payload_len = m->ciphertext_len;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_box(key, "alice", day, dht_shard_of(m->message_id)), 0);
    put_raw(key, &v, sk);
    *vid = dht_value_id(&v);
}

/* A message bundle signed by sk in alice's mailbox; members borrowed from m (ids ascending). */
static uint64_t put_bundle(dht_member_t *mem, size_t n, const uint8_t sk[32], uint8_t writer)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_BUNDLE_FORMAT;
    v.kind = DHT_KIND_BUNDLE_MESSAGE;
    v.mailbox = "alice";
    v.day = (uint64_t)day;
    v.shard = (uint8_t)dht_shard_of(mem[0].message_id);
    memset(v.writer_id, writer, sizeof v.writer_id);
    v.created_at = UINT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (mem[i].at < v.created_at)
            v.created_at = mem[i].at;
    v.members = mem;
    v.n_members = n;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_box(key, "alice", day, v.shard), 0);
    put_raw(key, &v, sk);
    return dht_value_id(&v);
}

static void member_of(dht_member_t *d, const message_info_t *m)
{
    memset(d, 0, sizeof *d);
    memcpy(d->message_id, m->message_id, 65);
    d->at = (uint64_t)m->created_at;
    d->sender = m->sender;
    d->recipient = m->recipient;
    d->payload = m->ciphertext;
    d->payload_len = m->ciphertext_len;
}

static void sort2(dht_member_t *m)
{
    if (strcmp(m[0].message_id, m[1].message_id) > 0) {
        dht_member_t t = m[0];
        m[0] = m[1];
        m[1] = t;
    }
}

static uint64_t rejected(tdev_t *d)
{
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(d->sync, &st), 0);
    return st.rejected_values;
}

static void test_mixed(tdev_t *desk, tdev_t *bob, const dnasync_identity_t *alice_id,
                       const dnasync_identity_t *bob_id)
{
    /* the old format: two messages by an old device of bob's, a tombstone by an old device
     * of alice's, each counted by its writer's summary */
    message_info_t old1, old2;
    sealed_from_bob(desk, "old one", -1, &old1);
    sealed_from_bob(desk, "old two", -1, &old2);
    uint64_t vids[2];
    int shards[2] = {dht_shard_of(old1.message_id), dht_shard_of(old2.message_id)};
    put_old_message(&old1, bob_id->sign_sk, &vids[0]);
    put_old_message(&old2, bob_id->sign_sk, &vids[1]);
    put_summary(bob_id->sign_sk, 0xb0, shards, vids, 2);
    dht_value_t t;
    memset(&t, 0, sizeof t);
    t.version = DHT_VALUE_FORMAT;
    t.kind = DHT_KIND_TOMBSTONE;
    t.created_at = t.deleted_at = (uint64_t)time(NULL);
    memcpy(t.message_id, old2.message_id, 65);
    t.owner = "alice";
    memset(t.writer_id, 0xa0, sizeof t.writer_id);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_box(key, "alice", day, shards[1]), 0);
    put_raw(key, &t, alice_id->sign_sk);
    uint64_t tvid = dht_value_id(&t);
    put_summary(alice_id->sign_sk, 0xa0, &shards[1], &tvid, 1);

    /* the new format: bob's device sends, bundled */
    char id3[65];
    tdev_send(bob, "alice", "new one", id3);

    /* a device of alice's linked now catches up on both */
    tdev_t a2;
    tdev_link(&a2, desk, &net, "alice-2", 0);
    tdev_open(&a2, &net);
    tdev_sync_until(&a2, id3);
    tdev_sync_until(&a2, old1.message_id);
    sync_status_t st;
    int verified = 0;
    for (int i = 0; i < 100 && !verified; i++) { /* bounded: values spread to every node */
        tdev_sync(&a2, NULL, NULL, NULL);
        CHECK_EQ_INT(sync_get_status(a2.sync, &st), 0);
        verified = st.verified_days == st.window_days;
        if (!verified)
            nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    CHECK(verified);
    CHECK(tdev_has(&a2, id3) && tdev_has(&a2, old1.message_id));
    message_info_t m;
    CHECK_EQ_INT(sync_get_message(a2.sync, old2.message_id, &m), 0); /* arrived, deleted */
    CHECK(m.deleted);
    message_info_clear(&m);
    CHECK(rejected(&a2) == 0);
    char texts[256];
    CHECK_EQ_INT(tdev_inbox(&a2, texts, sizeof texts), 3); /* with bob's hello */
    CHECK(strstr(texts, "new one") && strstr(texts, "old one"));
    tdev_close(&a2);
    message_info_clear(&old1);
    message_info_clear(&old2);
}

static void test_forged_member(tdev_t *desk, const dnasync_identity_t *bob_id)
{
    uint64_t before = rejected(desk);
    /* a: a genuine member and one whose id is not its content's (same shard, signed by bob) */
    message_info_t g1;
    sealed_from_bob(desk, "genuine a", -1, &g1);
    int shard = dht_shard_of(g1.message_id);
    dht_member_t a[2];
    member_of(&a[0], &g1);
    member_of(&a[1], &g1);
    a[1].message_id[63] = a[1].message_id[63] == '0' ? '1' : '0';
    sort2(a);
    uint64_t va = put_bundle(a, 2, bob_id->sign_sk, 0xb1);
    /* b: a genuine member and a message "from alice", both signed by bob */
    message_info_t g2, fa;
    sealed_from_bob(desk, "genuine b", shard, &g2);
    char fid[65];
    for (int i = 0; i < 4000; i++) {
        char txt[32];
        snprintf(txt, sizeof txt, "claims alice %d", i);
        CHECK_EQ_INT(sync_cache_add_text(desk->sync, "alice", "bob", txt, 0, true, fid), 0);
        if (dht_shard_of(fid) == shard)
            break;
    }
    CHECK_EQ_INT(dht_shard_of(fid), shard);
    memset(&fa, 0, sizeof fa);
    CHECK_EQ_INT(sync_get_message(desk->sync, fid, &fa), 0);
    dht_member_t b[2];
    member_of(&b[0], &g2);
    member_of(&b[1], &fa);
    sort2(b);
    uint64_t vb = put_bundle(b, 2, bob_id->sign_sk, 0xb2);
    /* desk holds g2 and fa already (made there): a fresh device of alice's judges them */
    tdev_t a3;
    tdev_link(&a3, desk, &net, "alice-3", 0);
    tdev_open(&a3, &net);
    int shards[2] = {shard, shard};
    uint64_t vids[2] = {va, vb};
    put_summary(bob_id->sign_sk, 0xb3, shards, vids, 2);
    uint64_t r0 = rejected(&a3);
    for (int i = 0; i < 100 && rejected(&a3) < r0 + 2; i++) { /* bounded */
        size_t up, down, del;
        sync_pass(a3.sync, &up, &down, &del);
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    CHECK(rejected(&a3) == r0 + 2); /* one refusal per bundle, not per member */
    message_info_t m;
    CHECK(sync_get_message(a3.sync, g1.message_id, &m) == DNASYNC_ENOTFOUND);
    CHECK(sync_get_message(a3.sync, g2.message_id, &m) == DNASYNC_ENOTFOUND);
    CHECK(sync_get_message(a3.sync, fid, &m) == DNASYNC_ENOTFOUND);
    /* the genuine member alone, in a bundle of its own, is accepted */
    dht_member_t one[1];
    member_of(&one[0], &g2);
    uint64_t vc = put_bundle(one, 1, bob_id->sign_sk, 0xb4);
    put_summary(bob_id->sign_sk, 0xb5, &shard, &vc, 1);
    tdev_sync_until(&a3, g2.message_id);
    CHECK(rejected(&a3) == r0 + 2);
    CHECK(rejected(desk) >= before);
    tdev_close(&a3);
    message_info_clear(&g1);
    message_info_clear(&g2);
    message_info_clear(&fa);
}

int main(void)
{
    tnet_start(&net, 2, 0);
    day = (int64_t)(time(NULL) / DNASYNC_DAY_S);
    tdev_t desk, bob;
    tdev_init(&desk, &net, "alice-desktop", "alice", 0);
    tdev_init(&bob, &net, "bob", "bob", 0);
    tdev_open(&desk, &net);
    tdev_open(&bob, &net);
    tdev_sync(&desk, NULL, NULL, NULL);
    tdev_sync(&bob, NULL, NULL, NULL);
    char hello[65];
    tdev_send(&bob, "alice", "hello (alice pins bob's key)", hello);
    tdev_sync_until(&desk, hello);
    dnasync_identity_t *alice_id = NULL, *bob_id = NULL;
    char err[256];
    CHECK_EQ_INT(dnasync_identity_load(desk.home, &alice_id, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_identity_load(bob.home, &bob_id, err, sizeof err), 0);

    test_mixed(&desk, &bob, alice_id, bob_id);
    test_forged_member(&desk, bob_id);

    dnasync_identity_free(alice_id);
    dnasync_identity_free(bob_id);
    tdev_close(&bob);
    tdev_close(&desk);
    tnet_free(&net);
    return 0;
}
