/* Bundles (format 2, issue 14): round trip, one encoding per member set (same members, same
 * bytes and id whatever order they come in), strict decoding of members, the store policy, and
 * the node policy that keeps a bundle only at its own bucket or that day's doorbell. */
#include "check.h"
#include "dht/dht_adapter.h"
#include "dht_testutil.h"

#include <stdlib.h>
#include <string.h>

#define DAY 20000

/* n message ids of one shard (the first byte picks the shard: tu_message_id's layout). */
static void ids_in_shard(char ids[][65], size_t n, unsigned shard)
{
    for (size_t i = 0; i < n; i++)
        tu_message_id(ids[i], shard + 128u * (unsigned)(i + 1) * 256u);
}

/* A message bundle of n members (ids[i], payload byte i) from alice to bob in bob's mailbox. */
static void make_bundle(dht_value_t *v, dht_member_t *m, char ids[][65], size_t n, uint8_t *pay)
{
    memset(v, 0, sizeof *v);
    v->version = DHT_BUNDLE_FORMAT;
    v->kind = DHT_KIND_BUNDLE_MESSAGE;
    v->mailbox = "bob";
    v->day = DAY;
    v->shard = (uint8_t)dht_shard_of(ids[0]);
    memset(v->writer_id, 7, sizeof v->writer_id);
    v->created_at = 1700000000;
    for (size_t i = 0; i < n; i++) {
        memset(&m[i], 0, sizeof m[i]);
        memcpy(m[i].message_id, ids[i], 65);
        m[i].at = 1700000000 + i;
        m[i].sender = "alice";
        m[i].recipient = "bob";
        m[i].payload = pay + i;
        m[i].payload_len = 1;
    }
    v->members = m;
    v->n_members = n;
}

static void test_roundtrip_and_identity(void)
{
    uint8_t sk[32], pay[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    tu_seed(sk, 3);
    char ids[3][65];
    ids_in_shard(ids, 3, 9);
    CHECK(strcmp(ids[0], ids[1]) < 0 && strcmp(ids[1], ids[2]) < 0);
    dht_value_t v;
    dht_member_t m[3];
    make_bundle(&v, m, ids, 3, pay);
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    CHECK_EQ_INT(dht_value_encode(&v, &a, &alen), 0);
    uint64_t id = dht_value_id(&v);
    CHECK(id != 0 && id != dht_message_value_id(ids[0]));
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id, a, alen));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_MESSAGE, id, a, alen));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_BUNDLE_TOMBSTONE, id, a, alen));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id + 1, a, alen));

    dht_value_t d;
    CHECK_EQ_INT(dht_value_decode(a, alen, &d), 0);
    CHECK_EQ_INT(d.kind, DHT_KIND_BUNDLE_MESSAGE);
    CHECK_EQ_INT(d.version, DHT_BUNDLE_FORMAT);
    CHECK_EQ_INT(d.n_members, 3);
    CHECK_EQ_STR(d.mailbox, "bob");
    CHECK_EQ_STR(d.members[2].message_id, ids[2]);
    CHECK_EQ_STR(d.members[1].sender, "alice");
    CHECK(d.members[1].payload_len == 1 && d.members[1].payload[0] == 2);
    CHECK_EQ_INT(dht_value_verify(&d), 0);
    CHECK(dht_value_id(&d) == id);
    /* one forged member breaks the one signature: the bundle as a whole */
    d.members[1].payload[0] ^= 1;
    CHECK(dht_value_verify(&d) == DNASYNC_EAUTH);
    dht_value_clear(&d);

    /* the same members signed again: the same bytes, the same id (a re-put after a crash) */
    make_bundle(&v, m, ids, 3, pay);
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, &b, &blen), 0);
    CHECK(alen == blen && memcmp(a, b, alen) == 0);
    free(b);
    /* another writer: another id, so two devices never write one value */
    memset(v.writer_id, 8, sizeof v.writer_id);
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK(dht_value_id(&v) != id);
    free(a);
}

/* Encodings with a member out of shape: encode refuses them, and a hand-made one that a signer
 * would produce anyway (the same fields, order swapped) does not decode. */
static void test_strict_members(void)
{
    uint8_t sk[32], pay[8] = {0};
    tu_seed(sk, 4);
    char ids[3][65], other[65];
    ids_in_shard(ids, 3, 5);
    tu_message_id(other, 6); /* shard 6 */
    dht_value_t v;
    dht_member_t m[3];
    uint8_t *out = NULL;
    size_t len = 0;

    make_bundle(&v, m, ids, 3, pay);
    memcpy(m[1].message_id, other, 65); /* a member of another shard */
    CHECK(dht_value_sign(&v, sk) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    dht_member_t t = m[0]; /* members out of order */
    m[0] = m[1];
    m[1] = t;
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    memcpy(m[1].message_id, m[0].message_id, 65); /* a member twice */
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    v.created_at = 1700000001; /* not the oldest member's time */
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    m[2].recipient = "carol"; /* neither party's mailbox */
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    v.n_members = 0;
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);
    make_bundle(&v, m, ids, 3, pay);
    v.version = DHT_VALUE_FORMAT; /* a bundle is format 2, a single value format 1 */
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_EINVAL);

    /* a valid tombstone bundle, then every truncation and a flipped byte refused by decode */
    dht_value_t tb;
    dht_member_t tm[2];
    memset(&tb, 0, sizeof tb);
    memset(tm, 0, sizeof tm);
    tb.version = DHT_BUNDLE_FORMAT;
    tb.kind = DHT_KIND_BUNDLE_TOMBSTONE;
    tb.mailbox = "alice";
    tb.day = DAY;
    tb.shard = 5;
    tb.created_at = 10;
    memcpy(tm[0].message_id, ids[0], 65);
    tm[0].at = 10;
    memcpy(tm[1].message_id, ids[1], 65);
    tm[1].at = 11;
    tb.members = tm;
    tb.n_members = 2;
    CHECK_EQ_INT(dht_value_sign(&tb, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&tb, &out, &len), 0);
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_BUNDLE_TOMBSTONE, dht_value_id(&tb), out, len));
    dht_value_t d;
    for (size_t cut = 0; cut < len; cut++) {
        CHECK(dht_value_decode(out, cut, &d) != 0);
        dht_value_clear(&d);
    }
    for (size_t i = 0; i < len; i++) {
        out[i] ^= 0x01;
        int rc = dht_value_decode(out, len, &d);
        /* a flip either breaks the layout or changes signed content */
        CHECK(rc != 0 || dht_value_verify(&d) != 0 || dht_value_id(&d) != dht_value_id(&tb));
        dht_value_clear(&d);
        out[i] ^= 0x01;
    }
    free(out);
}

/* A node keeps a bundle at box/<mailbox>/<day>/<shard> or bell/<mailbox>/<day> only (the store
 * policy's key check; a node's own puts skip its policy, so this asks the policy itself). */
static void test_placement(void)
{
    uint8_t sk[32], pay[8] = {0};
    tu_seed(sk, 5);
    char ids[2][65];
    ids_in_shard(ids, 2, 11);
    dht_value_t v;
    dht_member_t m[2];
    make_bundle(&v, m, ids, 2, pay);
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    uint8_t *val = NULL, k[4][DNASYNC_DHT_KEY_BYTES];
    size_t len = 0;
    CHECK_EQ_INT(dht_value_encode(&v, &val, &len), 0);
    CHECK_EQ_INT(dht_key_box(k[0], "bob", DAY, 11), 0);   /* its bucket */
    CHECK_EQ_INT(dht_key_bell(k[1], "bob", DAY), 0);      /* its doorbell */
    CHECK_EQ_INT(dht_key_box(k[2], "bob", DAY, 12), 0);   /* another shard */
    CHECK_EQ_INT(dht_key_box(k[3], "alice", DAY, 11), 0); /* another mailbox */
    uint64_t id = dht_value_id(&v);
    CHECK(dnad_policy_key_ok(k[0], DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id, val, len));
    CHECK(dnad_policy_key_ok(k[1], DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id, val, len));
    CHECK(!dnad_policy_key_ok(k[2], DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id, val, len));
    CHECK(!dnad_policy_key_ok(k[3], DNASYNC_DHT_TYPE_BUNDLE_MESSAGE, id, val, len));
    free(val);
}

int main(void)
{
    RUN(test_roundtrip_and_identity);
    RUN(test_strict_members);
    RUN(test_placement);
    return 0;
}
