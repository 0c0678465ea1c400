/* A node that missed a summary edit keeps the older edition (a non-permanent put reaches only
 * the nodes in sync with the writer's search at that moment). A get through that node must
 * still return the newest edition:
 * Dht::get answers from the local store first, so "first answer wins" would hand a reader the
 * stale summary on every pass and it would never fetch what the newer edition announces. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "testenv.h"

#include "dht/dht_codec.h"
#include "dht/dht_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const uint8_t WRITER[DHT_WRITER_ID_BYTES] = {7, 7, 7};

/* bob's summary of alice's mailbox for day, edition counter: count values in shard 3. */
static void summary(uint8_t **out, size_t *len, uint64_t *id, uint64_t day, uint64_t counter,
                    uint32_t count, unsigned signer)
{
    uint8_t sk[32];
    tu_seed(sk, signer);
    dht_summary_entry_t e = {3, count, 0x1234u * count};
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = day * DNASYNC_DAY_S + 60u;
    v.mailbox = "alice";
    v.day = day;
    memcpy(v.writer_id, WRITER, sizeof WRITER);
    v.counter = counter;
    v.entries = &e;
    v.n_entries = 1;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
    *id = dht_value_id(&v);
}

static dht_storage_context_t *start(const char *boot)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.timeout_ms = 8000;
    const char *bs[1] = {boot};
    if (boot) {
        cfg.bootstrap = bs;
        cfg.n_bootstrap = 1;
    }
    dht_storage_context_t *ctx = NULL;
    int rc = dht_storage_init(&cfg, &ctx);
    if (rc)
        fprintf(stderr, "dht_storage_init: %s\n", dnasync_last_error());
    CHECK_EQ_INT(rc, 0);
    return ctx;
}

/* The counters of the summaries a get through ctx returns (up to 4), their number returned. */
static size_t counters_seen(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                            uint64_t c[4])
{
    dht_raw_value_t *vals = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get(ctx, key, &vals, &n), 0);
    CHECK(n <= 4);
    for (size_t i = 0; i < n; i++) {
        dht_value_t v;
        CHECK_EQ_INT(dht_value_decode(vals[i].data, vals[i].len, &v), 0);
        c[i] = v.counter;
        dht_value_clear(&v);
    }
    dht_raw_values_free(vals, n);
    return n;
}

/* The counter of the one summary a get through ctx returns (0 if none; fails on several). */
static uint64_t counter_seen(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    uint64_t c[4] = {0};
    CHECK(counters_seen(ctx, key, c) <= 1);
    return c[0];
}

static uint64_t stored(dht_storage_context_t *ctx)
{
    dht_storage_stats_t st;
    CHECK_EQ_INT(dht_storage_stats(ctx, &st), 0);
    return st.values;
}

static void test_stale_local_edition(void)
{
    char boot[32];
    uint64_t day = (uint64_t)time(NULL) / DNASYNC_DAY_S;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_sum(key, "alice", (int64_t)day), 0);
    uint8_t *v1, *v2;
    size_t l1, l2;
    uint64_t id1, id2;
    summary(&v1, &l1, &id1, day, 1, 1, 1);
    summary(&v2, &l2, &id2, day, 2, 2, 1);
    CHECK(id1 == id2); /* one writer's summary: one id, edited in place */

    fprintf(stderr, "-- edition 2 is on the network\n");
    dht_storage_context_t *a = start(NULL);
    tu_addr(a, boot);
    dht_storage_context_t *w = start(boot);
    tu_wait_peers(w, 1);
    CHECK_EQ_INT(tu_put_confirmed(w, key, v2, l2, DNASYNC_DHT_TYPE_SUMMARY, id2, 0), 0);
    for (int i = 0; i < 50 && stored(a) < 1; i++) /* <= 5 s */
        sleep_ms(100);
    CHECK_EQ_INT((int)stored(a), 1);

    fprintf(stderr, "-- the reader's node holds edition 1 (it missed the edit)\n");
    dht_storage_context_t *r = start(NULL);
    (void)dht_put(r, key, v1, l1, DNASYNC_DHT_TYPE_SUMMARY, id1, 0); /* alone: stored locally */
    CHECK_EQ_INT((int)stored(r), 1);
    CHECK_EQ_INT((int)counter_seen(r, key), 1);

    fprintf(stderr, "-- it joins; a get through it returns edition 2\n");
    CHECK_EQ_INT(dht_bootstrap(r, boot), 0);
    tu_wait_peers(r, 2);
    /* Its own store answers first with edition 1, the network then with edition 2. Every get
     * must give 2 (a few gets: node answers can arrive in any order). */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT((int)counter_seen(r, key), 2);
    /* r's stale edition, announced once it had peers, did not replace edition 2 anywhere. */
    CHECK_EQ_INT((int)counter_seen(w, key), 2);

    fprintf(stderr, "-- another author's summary for the same writer is not an edition of it\n");
    uint8_t *f;
    size_t lf;
    uint64_t idf;
    summary(&f, &lf, &idf, day, 9, 5, 2);
    CHECK(idf != id1); /* the id names the author: nobody else can take the writer's id */
    /* Stored beside edition 2 under its own id: a get returns both for the reader to judge;
     * the higher counter of another author must not hide edition 2. */
    (void)dht_put(w, key, f, lf, DNASYNC_DHT_TYPE_SUMMARY, idf, 0);
    uint64_t c4[4] = {0};
    size_t n4 = counters_seen(r, key, c4);
    int has2 = 0;
    for (size_t i = 0; i < n4; i++)
        has2 |= c4[i] == 2;
    CHECK(has2);

    free(v1);
    free(v2);
    free(f);
    dht_storage_free(r);
    dht_storage_free(w);
    dht_storage_free(a);
}

/* A node whose own store holds part of a key: a get through it returns the union of what the
 * nodes hold. (A listing through it does not: OpenDHT 2.4.12's Dht::query drops every answer
 * after the first one, FieldValueIndex::containedIn comparing field names only — so the sync
 * engine falls back to a get when a listing leaves a shard short; docs/dht.md.) */
static void test_partial_local_store(void)
{
    char boot[32];
    uint8_t sk[32];
    tu_seed(sk, 3);
    uint64_t now = (uint64_t)time(NULL);
    uint8_t *m1, *m2;
    size_t l1, l2;
    tu_message(&m1, &l1, 1, "bob", "alice", 200, now, sk);
    tu_message(&m2, &l2, 257, "bob", "alice", 200, now, sk); /* same shard as message 1 */
    char id1[65], id2[65];
    tu_message_id(id1, 1);
    tu_message_id(id2, 257);
    CHECK_EQ_INT(dht_shard_of(id1), dht_shard_of(id2));
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_key_box(key, "alice", dht_upload_day(now), dht_shard_of(id1));

    dht_storage_context_t *a = start(NULL);
    tu_addr(a, boot);
    dht_storage_context_t *w = start(boot);
    tu_wait_peers(w, 1);
    CHECK_EQ_INT(
        tu_put_confirmed(w, key, m1, l1, DNASYNC_DHT_TYPE_MESSAGE, dht_message_value_id(id1), now),
        0);
    for (int i = 0; i < 50 && stored(a) < 1; i++) /* <= 5 s */
        sleep_ms(100);
    CHECK_EQ_INT((int)stored(a), 1);
    dht_storage_context_t *r = start(NULL);
    (void)dht_put(r, key, m2, l2, DNASYNC_DHT_TYPE_MESSAGE, dht_message_value_id(id2), now);
    CHECK_EQ_INT((int)stored(r), 1);
    CHECK_EQ_INT(dht_bootstrap(r, boot), 0);
    tu_wait_peers(r, 2);

    dht_raw_value_t *vals = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get(r, key, &vals, &n), 0);
    int has1 = 0, has2 = 0;
    for (size_t i = 0; i < n; i++) {
        has1 |= vals[i].id == dht_message_value_id(id1);
        has2 |= vals[i].id == dht_message_value_id(id2);
    }
    dht_raw_values_free(vals, n);
    CHECK(has1 && has2);
    uint64_t *ids = NULL;
    size_t nid = 0;
    CHECK_EQ_INT(dht_list_ids(r, key, &ids, &nid), 0);
    fprintf(stderr, "get: 2 values; listing through the same node: %zu id(s)\n", nid);
    free(ids);
    free(m1);
    free(m2);
    dht_storage_free(r);
    dht_storage_free(w);
    dht_storage_free(a);
}

int main(void)
{
    RUN(test_stale_local_edition);
    RUN(test_partial_local_store);
    return 0;
}
