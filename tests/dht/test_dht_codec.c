/* Value codec and key names: round trips, strictness, and a fuzz-ish pass (run under ASan). */
#include "check.h"
#include "dht/dht_adapter.h"
#include "dht_testutil.h"

#include <stdlib.h>
#include <string.h>

static void test_keys(void)
{
    char name[DNASYNC_DHT_KEYNAME_MAX];
    CHECK_EQ_INT(dht_key_name_box(name, sizeof name, "alice", 20000, 5), 0);
    CHECK_EQ_STR(name, "dnasync/1/box/alice/20000/5");
    CHECK_EQ_INT(dht_key_name_sum(name, sizeof name, "alice", 20000), 0);
    CHECK_EQ_STR(name, "dnasync/1/sum/alice/20000");
    CHECK_EQ_INT(dht_key_name_id(name, sizeof name, "bob"), 0);
    CHECK_EQ_STR(name, "dnasync/1/id/bob");
    CHECK(dht_key_name_box(name, sizeof name, "a/b", 1, 1) == DNASYNC_EINVAL);
    CHECK(dht_key_name_box(name, sizeof name, "alice", 1, 128) == DNASYNC_EINVAL);
    CHECK(dht_key_name_id(name, sizeof name, "") == DNASYNC_EINVAL);
    /* SHA-1("abc") */
    uint8_t k[DNASYNC_DHT_KEY_BYTES];
    dht_key_hash("abc", k);
    CHECK(k[0] == 0xa9 && k[1] == 0x99 && k[19] == 0x9d);
    CHECK_EQ_INT(dht_upload_day(86399), 0);
    CHECK_EQ_INT(dht_upload_day(DNASYNC_DAY_S), 1);
    char id[65];
    tu_message_id(id, 0xff);
    CHECK_EQ_INT(dht_shard_of(id), 0xff % 128);
    CHECK(dht_shard_of("zz") == DNASYNC_EINVAL);
}

static void test_roundtrip(void)
{
    uint8_t sk[32];
    tu_seed(sk, 1);
    uint8_t *buf;
    size_t len;
    tu_message(&buf, &len, 7, "alice", "bob", 100, 1700000000, sk);
    dht_value_t v;
    CHECK_EQ_INT(dht_value_decode(buf, len, &v), 0);
    CHECK_EQ_INT(v.kind, DHT_KIND_MESSAGE);
    CHECK_EQ_STR(v.sender, "alice");
    CHECK_EQ_STR(v.recipient, "bob");
    CHECK_EQ_INT(v.payload_len, 100);
    CHECK_EQ_INT(dht_value_verify(&v), 0);
    CHECK(dht_value_id(&v) == dht_message_value_id(v.message_id));
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_MESSAGE, dht_value_id(&v), buf, len));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, dht_value_id(&v), buf, len));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_MESSAGE, dht_value_id(&v) + 1, buf, len));
    /* forged: change the payload, keep the signature */
    v.payload[0] ^= 1;
    CHECK(dht_value_verify(&v) == DNASYNC_EAUTH);
    uint8_t *forged;
    size_t flen;
    CHECK_EQ_INT(dht_value_encode(&v, &forged, &flen), 0);
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_MESSAGE, dht_value_id(&v), forged, flen));
    free(forged);
    dht_value_clear(&v);

    /* tombstone: its own value id, never its message's (the expected ids are literals computed
     * independently with python3 hashlib / cryptography, see test_tombstone_id) */
    uint8_t *tb;
    size_t tlen;
    tu_tombstone(&tb, &tlen, 7, "bob", 1700000100, sk);
    CHECK_EQ_INT(dht_value_decode(tb, tlen, &v), 0);
    CHECK_EQ_INT(v.kind, DHT_KIND_TOMBSTONE);
    char mid[65];
    tu_message_id(mid, 7);
    CHECK_EQ_STR(v.message_id, mid);
    CHECK(dht_value_id(&v) != dht_message_value_id(mid));
    /* Ed25519 public key of tu_seed(1), then
     * sha256("dnasync/1/tomb/" mid "/1700000100/" pk hex "/" 32 zeros, the writer)[0:8] */
    char pkhex[65];
    static const char hexd[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        pkhex[2 * i] = hexd[v.author_pk[i] >> 4];
        pkhex[2 * i + 1] = hexd[v.author_pk[i] & 15];
    }
    pkhex[64] = '\0';
    CHECK_EQ_STR(pkhex, "0360edf1a07c2925df03f78df48e545f6d12f64e76a0957bd38d08092e1a04fe");
    CHECK(dht_value_id(&v) == 0x9c02906ea154928bull);
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, 0x9c02906ea154928bull, tb, tlen));
    /* under its message's id (the old "replacement" id) or as another type: refused */
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, dht_message_value_id(mid), tb, tlen));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_MESSAGE, dht_value_id(&v), tb, tlen));
    /* a re-signed tombstone whose content no longer matches the id it is offered under */
    v.deleted_at++;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    uint8_t *tb2;
    size_t tlen2;
    CHECK_EQ_INT(dht_value_encode(&v, &tb2, &tlen2), 0);
    CHECK(dht_value_id(&v) != 0x9c02906ea154928bull);
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, 0x9c02906ea154928bull, tb2, tlen2));
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, dht_value_id(&v), tb2, tlen2));
    free(tb2);
    /* another author signing the same (message, deleted_at): another id */
    v.deleted_at--;
    uint8_t other[32];
    tu_seed(other, 99);
    CHECK_EQ_INT(dht_value_sign(&v, other), 0);
    CHECK(dht_value_id(&v) != 0x9c02906ea154928bull);
    CHECK(dht_value_id(&v) != 0);
    dht_value_clear(&v);
    free(tb);

    /* identity and summary */
    dht_value_t idv;
    memset(&idv, 0, sizeof idv);
    idv.version = 1;
    idv.kind = DHT_KIND_IDENTITY;
    idv.created_at = 5;
    idv.name = "carol";
    memset(idv.kem_pk, 0x42, sizeof idv.kem_pk);
    char dev[33] = "0123456789abcdef0123456789abcdef";
    char *devs[1] = {dev};
    idv.devices = devs;
    idv.n_devices = 1;
    CHECK_EQ_INT(dht_value_sign(&idv, sk), 0);
    uint8_t *ib;
    size_t ilen;
    CHECK_EQ_INT(dht_value_encode(&idv, &ib, &ilen), 0);
    CHECK_EQ_INT(dht_value_decode(ib, ilen, &v), 0);
    CHECK_EQ_STR(v.devices[0], dev);
    CHECK_EQ_INT(dht_value_verify(&v), 0);
    dht_value_clear(&v);
    /* a key built once (dht_value_sign_key) gives the same bytes, signing_pk included */
    dnasync_sign_key_t *key = NULL;
    CHECK_EQ_INT(dnasync_sign_key_new(sk, &key), 0);
    dht_value_t idk = idv;
    memset(idk.author_pk, 0, sizeof idk.author_pk);
    memset(idk.signing_pk, 0, sizeof idk.signing_pk);
    memset(idk.sig, 0, sizeof idk.sig);
    CHECK_EQ_INT(dht_value_sign_key(&idk, key), 0);
    uint8_t *kb;
    size_t klen;
    CHECK_EQ_INT(dht_value_encode(&idk, &kb, &klen), 0);
    CHECK(klen == ilen && memcmp(kb, ib, ilen) == 0);
    free(kb);
    CHECK(dht_value_sign_key(&idk, NULL) == DNASYNC_EINVAL);
    dnasync_sign_key_free(key);
    free(ib);

    dht_value_t sv;
    memset(&sv, 0, sizeof sv);
    sv.version = 1;
    sv.kind = DHT_KIND_SUMMARY;
    sv.mailbox = "alice";
    sv.day = 20000;
    sv.counter = 3;
    dht_summary_entry_t e[2] = {{1, 2, 0x55}, {9, 1, 0xffffffffffffffffull}};
    sv.entries = e;
    sv.n_entries = 2;
    CHECK_EQ_INT(dht_value_sign(&sv, sk), 0);
    uint8_t *sb;
    size_t slen;
    CHECK_EQ_INT(dht_value_encode(&sv, &sb, &slen), 0);
    CHECK_EQ_INT(dht_value_decode(sb, slen, &v), 0);
    CHECK_EQ_INT(v.n_entries, 2);
    CHECK(v.entries[1].xor_ids == 0xffffffffffffffffull);
    CHECK_EQ_INT(dht_value_verify(&v), 0);
    /* the summary id names its author: nobody else can take a writer's id first */
    uint64_t sid = dht_value_id(&v);
    CHECK(sid != 0);
    CHECK(sid == dht_summary_value_id("alice", 20000, v.writer_id, v.author_pk));
    uint8_t other_pk[32];
    memcpy(other_pk, v.author_pk, 32);
    other_pk[0] ^= 1;
    CHECK(sid != dht_summary_value_id("alice", 20000, v.writer_id, other_pk));
    CHECK(dht_summary_value_id(NULL, 20000, v.writer_id, other_pk) == 0);
    dht_value_clear(&v);
    free(sb);
    /* unsorted shards are refused */
    e[1].shard = 1;
    CHECK(dht_value_encode(&sv, &sb, &slen) == DNASYNC_EINVAL);

    /* trailing byte */
    uint8_t *tr = malloc(len + 1);
    memcpy(tr, buf, len);
    tr[len] = 0;
    CHECK(dht_value_decode(tr, len + 1, &v) == DNASYNC_ECORRUPT);
    dht_value_clear(&v);
    free(tr);
    free(buf);
}

/* The tombstone id formula on a fixed input. Expected value computed independently:
 *   python3 -c 'import hashlib; t = "dnasync/1/tomb/07000007" + "0"*48 + "538453d7/1700000100/"
 *   + bytes(range(32)).hex() + "/" + bytes(range(16)).hex();
 *   print(hashlib.sha256(t.encode()).hexdigest()[:16])'
 *   -> 5ec63579ab38ee5d */
static void test_tombstone_id(void)
{
    dht_value_t t;
    memset(&t, 0, sizeof t);
    t.version = DHT_VALUE_FORMAT;
    t.kind = DHT_KIND_TOMBSTONE;
    t.sig_scheme = DNASYNC_SIGN_SCHEME_ED25519;
    t.created_at = 1700000100;
    t.deleted_at = 1700000100;
    strcpy(t.message_id, "07000007000000000000000000000000000000000000000000000000538453d7");
    t.owner = "bob";
    for (int i = 0; i < 32; i++)
        t.author_pk[i] = (uint8_t)i;
    for (int i = 0; i < 16; i++)
        t.writer_id[i] = (uint8_t)i;
    CHECK(dht_value_id(&t) == 0x5ec63579ab38ee5dull);
    /* the owner and created_at are not part of the id; deleted_at, the author and the writing
     * device are (two devices deleting in the same second write two values) */
    t.owner = "carol";
    t.created_at = 5;
    CHECK(dht_value_id(&t) == 0x5ec63579ab38ee5dull);
    t.deleted_at = 1700000101;
    CHECK(dht_value_id(&t) != 0x5ec63579ab38ee5dull);
    t.deleted_at = 1700000100;
    t.writer_id[15] ^= 1;
    CHECK(dht_value_id(&t) != 0x5ec63579ab38ee5dull);
    t.writer_id[15] ^= 1;
    t.author_pk[31] ^= 1;
    CHECK(dht_value_id(&t) != 0x5ec63579ab38ee5dull);
    /* invalid value: 0 */
    t.message_id[0] = 'X';
    CHECK(dht_value_id(&t) == 0);
}

static void test_sizes(void)
{
    uint8_t sk[32];
    tu_seed(sk, 2);
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = 1;
    v.kind = DHT_KIND_MESSAGE;
    tu_message_id(v.message_id, 1);
    v.sender = "a";
    v.recipient = "b";
    v.payload_len = DHT_VALUE_MAX_BYTES - 300;
    v.payload = calloc(1, v.payload_len);
    uint8_t *out;
    size_t len;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, &out, &len), 0);
    CHECK(len <= DHT_VALUE_MAX_BYTES);
    free(out);
    free(v.payload);
    v.payload_len = DHT_VALUE_MAX_BYTES;
    v.payload = calloc(1, v.payload_len);
    CHECK(dht_value_encode(&v, &out, &len) == DNASYNC_ETOOBIG);
    free(v.payload);
    uint8_t *big = calloc(1, DHT_VALUE_MAX_BYTES + 1);
    CHECK(dht_value_decode(big, DHT_VALUE_MAX_BYTES + 1, &v) == DNASYNC_ETOOBIG);
    dht_value_clear(&v);
    free(big);
}

/* Every truncation and many byte flips of valid encodings: no crash, always refused
 * (a flip may at most yield another valid encoding, whose signature then fails). */
static void test_fuzz(void)
{
    uint8_t sk[32];
    tu_seed(sk, 3);
    uint8_t *buf;
    size_t len;
    tu_message(&buf, &len, 42, "alice", "bob", 40, 1700000000, sk);
    dht_value_t v;
    for (size_t n = 0; n < len; n++) {
        CHECK(dht_value_decode(buf, n, &v) != 0);
        dht_value_clear(&v);
    }
    uint8_t *m = malloc(len);
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, buf, len);
            m[i] ^= (uint8_t)(1u << bit);
            if (dht_value_decode(m, len, &v) == 0 && dht_value_verify(&v) == 0)
                accepted++;
            dht_value_clear(&v);
        }
    }
    CHECK_EQ_INT(accepted, 0);
    /* random garbage of random lengths */
    uint64_t s = 0x1234;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(s % 300);
        for (size_t i = 0; i < n && i < len; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            m[i] = (uint8_t)(s >> 56);
        }
        if (n > 0)
            m[0] = (uint8_t)(0x90 + (round % 16)); /* look like an array now and then */
        CHECK(dht_value_decode(m, n < len ? n : len, &v) != 0 || dht_value_verify(&v) != 0);
        dht_value_clear(&v);
    }
    /* array header claiming 2^32-1 elements must not allocate */
    uint8_t huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK(dht_value_decode(huge, sizeof huge, &v) == DNASYNC_ECORRUPT);
    dht_value_clear(&v);
    free(m);
    free(buf);
}

/* A read receipt: strict round trip, its own id (not its message's, not a tombstone's with the
 * same time), accepted by the node policy under type 0x6405 only. */
static void test_receipt(void)
{
    uint8_t sk[32];
    tu_seed(sk, 3);
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_RECEIPT;
    v.created_at = v.read_at = 1700000000;
    tu_message_id(v.message_id, 9);
    v.owner = "alice";
    memset(v.writer_id, 0xa5, sizeof v.writer_id);
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(dht_value_encode(&v, &buf, &len), 0);
    dht_value_t d;
    CHECK_EQ_INT(dht_value_decode(buf, len, &d), 0);
    CHECK_EQ_INT(d.kind, DHT_KIND_RECEIPT);
    CHECK(d.read_at == 1700000000 && d.deleted_at == 0);
    CHECK_EQ_STR(d.owner, "alice");
    CHECK(memcmp(d.writer_id, v.writer_id, sizeof v.writer_id) == 0);
    CHECK_EQ_INT(dht_value_verify(&d), 0);
    uint64_t id = dht_value_id(&d);
    CHECK(id != 0 && id != dht_message_value_id(v.message_id));
    dht_value_t t = v;
    t.kind = DHT_KIND_TOMBSTONE;
    t.deleted_at = t.read_at;
    CHECK(dht_value_id(&t) != id);
    CHECK(dnad_policy_store_ok(DNASYNC_DHT_TYPE_RECEIPT, id, buf, len));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, id, buf, len));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_RECEIPT, id + 1, buf, len));
    buf[len - 1] ^= 1; /* the writer id changes: the signature no longer holds */
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_RECEIPT, id, buf, len));
    dht_value_clear(&d);
    free(buf);
}

int main(void)
{
    RUN(test_keys);
    RUN(test_receipt);
    RUN(test_roundtrip);
    RUN(test_tombstone_id);
    RUN(test_sizes);
    RUN(test_fuzz);
    return 0;
}
