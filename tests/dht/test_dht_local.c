/* A lone embedded node: stores and serves, lifetimes (29 vs 31 days), size and policy checks,
 * a tombstone beside its message (own value id), summary edits, listen/cancel. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_internal.h"
#include "dht_testutil.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static test_clock_t clk;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t now_s(void)
{
    return clk.now_ms / 1000u;
}

/* Encoded, signed SUMMARY of mailbox/day by a fixed writer; returns its value id. */
static uint64_t make_summary(uint8_t **out, size_t *len, const char *mailbox, int64_t day,
                             uint64_t counter, const uint8_t sk[32])
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = (uint64_t)day * DNASYNC_DAY_S;
    v.mailbox = (char *)mailbox;
    v.day = (uint64_t)day;
    memset(v.writer_id, 0x5a, sizeof v.writer_id);
    v.counter = counter;
    dht_summary_entry_t e = {3, (uint32_t)counter, 0x1234u * counter};
    v.entries = &e;
    v.n_entries = 1;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
    return dht_value_id(&v);
}

/* The version of the summary this node serves for key (its own copy comes first), 0 if none. */
/* The counter of the summary by author_pk that a get through ctx returns (0 if none). A get
 * returns the newest edition per author: another author's value under the same id is a
 * separate version, never an edition of this one. */
static uint64_t local_summary_counter(dht_storage_context_t *ctx,
                                      const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                                      const uint8_t author_pk[32])
{
    dht_value_t *vals;
    size_t n;
    uint64_t c = 0;
    if (dht_storage_get_values(ctx, key, &vals, &n, NULL) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (vals[i].kind == DHT_KIND_SUMMARY && memcmp(vals[i].author_pk, author_pk, 32) == 0)
            c = c ? UINT64_MAX : vals[i].counter; /* two editions of one author: wrong */
    dht_values_free(vals, n);
    return c;
}

static void test_store_and_serve(void)
{
    dht_storage_context_t *ctx = tu_ctx(NULL, &clk.env);
    uint8_t sk[32];
    tu_seed(sk, 1);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 3, "alice", "bob", 500, now_s(), sk);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(tu_put_value(ctx, msg, len, now_s(), key), 0);
    dht_value_t *vals;
    size_t n, rejected;
    CHECK_EQ_INT(dht_storage_get_values(ctx, key, &vals, &n, &rejected), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rejected, 0);
    CHECK_EQ_STR(vals[0].sender, "alice");
    dht_values_free(vals, n);
    /* the sender's mailbox has it too */
    char id[65];
    tu_message_id(id, 3);
    uint8_t skey[DNASYNC_DHT_KEY_BYTES];
    dht_key_box(skey, "alice", dht_upload_day(now_s()), dht_shard_of(id));
    uint64_t *ids;
    CHECK_EQ_INT(dht_list_ids(ctx, skey, &ids, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(ids[0] == dht_message_value_id(id));
    dht_raw_value_t *raw;
    size_t rn;
    CHECK_EQ_INT(dht_get_by_ids(ctx, skey, ids, 1, &raw, &rn), 0);
    CHECK_EQ_INT(rn, 1);
    CHECK_EQ_INT(raw[0].len, len);
    CHECK(memcmp(raw[0].data, msg, len) == 0);
    dht_raw_values_free(raw, rn);
    uint64_t missing = 77;
    CHECK_EQ_INT(dht_get_by_ids(ctx, skey, &missing, 1, &raw, &rn), 0);
    CHECK_EQ_INT(rn, 0);
    free(ids);

    /* a tombstone deleting it the same day lands in the same bucket (owner bob = recipient) under
     * its own id: message and tombstone coexist, both retrievable */
    uint8_t *tb;
    size_t tlen;
    tu_tombstone(&tb, &tlen, 3, "bob", now_s(), sk);
    dht_value_t tv;
    CHECK_EQ_INT(dht_value_decode(tb, tlen, &tv), 0);
    uint64_t tvid = dht_value_id(&tv);
    dht_value_clear(&tv);
    CHECK(tvid != 0 && tvid != dht_message_value_id(id));
    uint8_t tkey[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(tu_put_value(ctx, tb, tlen, now_s(), tkey), 0);
    CHECK(memcmp(tkey, key, DNASYNC_DHT_KEY_BYTES) == 0);
    CHECK_EQ_INT(dht_list_ids(ctx, key, &ids, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK((ids[0] == tvid && ids[1] == dht_message_value_id(id)) ||
          (ids[1] == tvid && ids[0] == dht_message_value_id(id)));
    free(ids);
    CHECK_EQ_INT(dht_get_by_ids(ctx, key, &tvid, 1, &raw, &rn), 0);
    CHECK_EQ_INT(rn, 1);
    CHECK(raw[0].type == DNASYNC_DHT_TYPE_TOMBSTONE);
    CHECK(raw[0].len == tlen && memcmp(raw[0].data, tb, tlen) == 0);
    dht_raw_values_free(raw, rn);
    CHECK_EQ_INT(dht_storage_get_values(ctx, key, &vals, &n, NULL), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(vals[0].kind != vals[1].kind);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_STR(vals[i].message_id, id);
        CHECK(vals[i].kind == DHT_KIND_MESSAGE || vals[i].kind == DHT_KIND_TOMBSTONE);
    }
    dht_values_free(vals, n);

    dht_storage_stats_t st;
    CHECK_EQ_INT(dht_storage_stats(ctx, &st), 0);
    CHECK(st.values >= 2);
    CHECK(st.port > 0);
    CHECK_EQ_INT(strlen(st.node_id), 40);
    free(tb);
    free(msg);
    dht_storage_free(ctx);
}

/* A message lives 30 days from its put: backdated 29 days it is stored and served, backdated 31
 * days it is refused (by the storing node's own type registry). */
/* A device's node (peers_confirm) that knows no other node confirms nothing: the put fails
 * with the reason, at once (no retries), and the value is still in its own store (issue 10, D6:
 * before, a lone node confirmed its own puts, so `send` on a home with no bootstrap marked the
 * message synced). */
static void test_alone_confirms_nothing(void)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.env = &clk.env;
    cfg.peers_confirm = 1;
    dht_storage_context_t *ctx = NULL;
    CHECK_EQ_INT(dht_storage_init(&cfg, &ctx), 0);
    uint8_t sk[32];
    tu_seed(sk, 1);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 4, "alice", "bob", 300, now_s(), sk);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(tu_put_value(ctx, msg, len, now_s(), key), DNASYNC_EDHT);
    CHECK(strstr(dht_storage_errmsg(ctx), "no other DHT node is known"));
    char id[65];
    tu_message_id(id, 4);
    CHECK(dht_put(ctx, key, msg, len, DNASYNC_DHT_TYPE_MESSAGE, dht_message_value_id(id), 0) ==
          DNASYNC_EDHT);
    dht_value_t *vals;
    size_t n, rejected;
    CHECK_EQ_INT(dht_storage_get_values(ctx, key, &vals, &n, &rejected), 0);
    CHECK_EQ_INT(n, 1); /* kept locally, only not confirmed */
    dht_values_free(vals, n);
    free(msg);
    dht_storage_free(ctx);
}

static void test_lifetime(void)
{
    dht_storage_context_t *ctx = tu_ctx(NULL, &clk.env);
    uint8_t sk[32];
    tu_seed(sk, 2);
    uint8_t *m29, *m31;
    size_t l29, l31;
    uint64_t t29 = now_s() - 29u * DNASYNC_DAY_S, t31 = now_s() - 31u * DNASYNC_DAY_S;
    tu_message(&m29, &l29, 29, "alice", "bob", 64, t29, sk);
    tu_message(&m31, &l31, 31, "alice", "bob", 64, t31, sk);
    uint8_t k29[DNASYNC_DHT_KEY_BYTES], k31[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(tu_put_value(ctx, m29, l29, t29, k29), 0);
    int rc = tu_put_value(ctx, m31, l31, t31, k31);
    CHECK(rc != 0); /* never confirmed: nobody stores it */
    dht_raw_value_t *raw;
    size_t n;
    CHECK_EQ_INT(dht_get(ctx, k29, &raw, &n), 0);
    CHECK_EQ_INT(n, 1);
    dht_raw_values_free(raw, n);
    CHECK_EQ_INT(dht_get(ctx, k31, &raw, &n), 0);
    CHECK_EQ_INT(n, 0);
    free(m29);
    free(m31);
    dht_storage_free(ctx);
}

static void test_refusals(void)
{
    tu_strict = 1; /* like `dnasync node`: unknown types refused too */
    uint64_t t0 = dht_mono_ms();
    dht_storage_context_t *ctx = tu_ctx(NULL, &clk.env);
    fprintf(stderr, "strict node started in %llu ms\n", (unsigned long long)(dht_mono_ms() - t0));
    tu_strict = 0;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_key_hash("dnasync/test/refusals", key);
    /* oversize: refused at once with a clear error, never a network timeout */
    size_t big = DHT_VALUE_MAX_BYTES + 1;
    uint8_t *junk = calloc(1, big);
    CHECK(dht_put(ctx, key, junk, big, DNASYNC_DHT_TYPE_MESSAGE, 1, 0) == DNASYNC_ETOOBIG);
    CHECK(strstr(dht_storage_errmsg(ctx), "limit") != NULL);
    /* garbage: refused client-side */
    CHECK(dht_put(ctx, key, junk, 100, DNASYNC_DHT_TYPE_MESSAGE, 1, 0) == DNASYNC_ECORRUPT);
    CHECK(dht_put(ctx, key, junk, 100, 4, 1, 0) == DNASYNC_EINVAL);
    /* valid value under a wrong id: refused */
    uint8_t sk[32];
    tu_seed(sk, 3);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 5, "alice", "bob", 10, now_s(), sk);
    CHECK(dht_put(ctx, key, msg, len, DNASYNC_DHT_TYPE_MESSAGE, 12345, 0) == DNASYNC_ECORRUPT);
    char id[65];
    tu_message_id(id, 5);
    uint64_t vid = dht_message_value_id(id);
    CHECK_EQ_INT(dht_put(ctx, key, msg, len, DNASYNC_DHT_TYPE_MESSAGE, vid, 0), 0);
    /* tombstones under their message's id (the old "replacement" id), by the author and by
     * another key: refused client-side, and (below, raw through a peer) by the storing node */
    uint8_t other[32];
    tu_seed(other, 99);
    uint8_t *tb, *tbo;
    size_t tlen, tolen;
    tu_tombstone(&tb, &tlen, 5, "bob", now_s(), sk);
    tu_tombstone(&tbo, &tolen, 5, "bob", now_s(), other);
    CHECK(dht_put(ctx, key, tb, tlen, DNASYNC_DHT_TYPE_TOMBSTONE, vid, 0) == DNASYNC_ECORRUPT);
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, vid, tb, tlen));
    CHECK(!dnad_policy_store_ok(DNASYNC_DHT_TYPE_TOMBSTONE, vid, tbo, tolen));
    /* the local put path of OpenDHT skips policies, so play remote puts and edits through a peer */
    dht_storage_context_t *peer = NULL;
    char addr[32];
    tu_addr(ctx, addr);
    peer = tu_ctx(addr, &clk.env);
    for (int i = 0; i < 50; i++) {
        dht_storage_stats_t s;
        if (dht_storage_stats(peer, &s) == 0 && s.nodes > 0)
            break;
        sleep_ms(100);
    }
    /* summary edits: the same author's higher version replaces (edit policy); another author's
     * summary has its own id (the id names the author too), and put under this writer's id it
     * is refused (wrong id for its content) */
    uint8_t skey[DNASYNC_DHT_KEY_BYTES], *s1, *s2, *s3;
    size_t l1, l2, l3;
    int64_t day = dht_upload_day(now_s());
    CHECK_EQ_INT(dht_key_sum(skey, "bob", day), 0);
    uint64_t sid = make_summary(&s1, &l1, "bob", day, 1, sk);
    CHECK(make_summary(&s2, &l2, "bob", day, 2, sk) == sid);
    CHECK(make_summary(&s3, &l3, "bob", day, 3, other) != sid);
    uint8_t pk[32];
    dht_value_t d1;
    CHECK_EQ_INT(dht_value_decode(s1, l1, &d1), 0);
    memcpy(pk, d1.author_pk, sizeof pk);
    dht_value_clear(&d1);
    CHECK_EQ_INT(tu_put_value(ctx, s1, l1, now_s(), NULL), 0);
    (void)dht_put(peer, skey, s2, l2, DNASYNC_DHT_TYPE_SUMMARY, sid, 0);
    uint64_t counter = 0;
    for (int i = 0; i < 50 && counter != 2; i++) {
        counter = local_summary_counter(ctx, skey, pk);
        if (counter != 2)
            sleep_ms(100);
    }
    CHECK(counter == 2); /* the legitimate edit arrived through the network */
    dht_storage_stats_t before, after;
    CHECK_EQ_INT(dht_storage_stats(ctx, &before), 0);
    (void)dht_put(peer, skey, s3, l3, DNASYNC_DHT_TYPE_SUMMARY, sid, 0);
    /* node-side: raw values through the adapter (bypassing client checks) are not stored:
     * tombstones under their message's id, garbage */
    CHECK_EQ_INT(
        dnad_put(peer->node, key, tb, tlen, DNASYNC_DHT_TYPE_TOMBSTONE, vid, 0, NULL, NULL), 0);
    CHECK_EQ_INT(
        dnad_put(peer->node, key, tbo, tolen, DNASYNC_DHT_TYPE_TOMBSTONE, vid, 0, NULL, NULL), 0);
    uint8_t gkey[DNASYNC_DHT_KEY_BYTES];
    dht_key_hash("dnasync/test/garbage", gkey);
    /* (dnad_put is the raw adapter: no client-side checks) */
    CHECK_EQ_INT(dnad_put(peer->node, gkey, junk, 100, DNASYNC_DHT_TYPE_MESSAGE, 9, 0, NULL, NULL),
                 0);
    CHECK_EQ_INT(dnad_put(peer->node, gkey, junk, 100, 0, 10, 0, NULL, NULL), 0);
    sleep_ms(1500);
    CHECK_EQ_INT(dht_storage_stats(ctx, &after), 0);
    CHECK(after.refused > before.refused);
    fprintf(stderr, "values %llu -> %llu, refused %llu -> %llu\n",
            (unsigned long long)before.values, (unsigned long long)after.values,
            (unsigned long long)before.refused, (unsigned long long)after.refused);
    CHECK(after.values == before.values); /* the storing node's own store did not grow */
    dht_value_t *vals;
    size_t n;
    CHECK_EQ_INT(dht_storage_get_values(ctx, key, &vals, &n, NULL), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(vals[0].kind, DHT_KIND_MESSAGE); /* the message is still there, alone */
    dht_values_free(vals, n);
    CHECK(local_summary_counter(ctx, skey, pk) == 2); /* the forged summary edit was refused */
    dht_storage_free(peer);
    free(s1);
    free(s2);
    free(s3);
    free(tbo);
    free(tb);
    free(msg);
    free(junk);
    dht_storage_free(ctx);
}

typedef struct seen {
    int count;
} seen_t;

static void on_value(void *user, const dht_raw_value_t *v, int expired)
{
    (void)v;
    if (!expired)
        __atomic_add_fetch(&((seen_t *)user)->count, 1, __ATOMIC_SEQ_CST);
}

static void test_listen(void)
{
    dht_storage_context_t *ctx = tu_ctx(NULL, &clk.env);
    uint8_t sk[32];
    tu_seed(sk, 4);
    char id[65];
    tu_message_id(id, 8);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_key_box(key, "bob", dht_upload_day(now_s()), dht_shard_of(id));
    seen_t seen = {0};
    uint64_t tok;
    CHECK_EQ_INT(dht_listen(ctx, key, on_value, &seen, &tok), 0);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 8, "alice", "bob", 10, now_s(), sk);
    CHECK_EQ_INT(tu_put_value(ctx, msg, len, now_s(), NULL), 0);
    for (int i = 0; i < 50 && __atomic_load_n(&seen.count, __ATOMIC_SEQ_CST) < 1; i++)
        sleep_ms(100);
    CHECK(__atomic_load_n(&seen.count, __ATOMIC_SEQ_CST) >= 1);
    CHECK_EQ_INT(dht_listen_cancel(ctx, tok), 0);
    CHECK(dht_listen_cancel(ctx, tok) == DNASYNC_ENOTFOUND);
    free(msg);
    dht_storage_free(ctx);
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* the fake clock starts at the real time */
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 7);
    RUN(test_store_and_serve);
    RUN(test_alone_confirms_nothing);
    RUN(test_lifetime);
    RUN(test_refusals);
    RUN(test_listen);
    return 0;
}
