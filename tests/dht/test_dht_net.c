/* In-process networks on loopback: 5 nodes put/get/listen; 1,000 values across buckets, all
 * retrievable from a fresh node that joins late. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_internal.h"
#include "dht_testutil.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODES 5

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

static int seen_count;
static void on_value(void *user, const dht_raw_value_t *v, int expired)
{
    (void)user;
    (void)v;
    if (!expired)
        __atomic_add_fetch(&seen_count, 1, __ATOMIC_SEQ_CST);
}

static dht_storage_context_t *net[NODES];
static char boot[32];

static void test_five_nodes(void)
{
    net[0] = tu_ctx(NULL, &clk.env);
    tu_addr(net[0], boot);
    for (int i = 1; i < NODES; i++)
        net[i] = tu_ctx(boot, &clk.env);
    for (int i = 0; i < NODES; i++)
        tu_wait_peers(net[i], 2);
    uint8_t sk[32];
    tu_seed(sk, 1);
    /* listen on node 4 before the put */
    char id[65];
    tu_message_id(id, 1);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_key_box(key, "bob", dht_upload_day(now_s()), dht_shard_of(id));
    uint64_t tok;
    CHECK_EQ_INT(dht_listen(net[4], key, on_value, NULL, &tok), 0);
    sleep_ms(500);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 1, "alice", "bob", 300, now_s(), sk);
    uint8_t skey[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(tu_put_value(net[1], msg, len, now_s(), skey), 0);
    CHECK(memcmp(skey, key, DNASYNC_DHT_KEY_BYTES) == 0);
    dht_value_t *vals;
    size_t n;
    CHECK_EQ_INT(dht_storage_get_values(net[3], key, &vals, &n, NULL), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(vals[0].recipient, "bob");
    dht_values_free(vals, n);
    for (int i = 0; i < 100 && __atomic_load_n(&seen_count, __ATOMIC_SEQ_CST) < 1; i++)
        sleep_ms(100);
    CHECK(__atomic_load_n(&seen_count, __ATOMIC_SEQ_CST) >= 1);
    CHECK_EQ_INT(dht_listen_cancel(net[4], tok), 0);
    free(msg);
}

#define MANY 1000

static void test_thousand_late_joiner(void)
{
    uint8_t sk[32];
    tu_seed(sk, 2);
    dht_put_item_t *items = calloc(MANY, sizeof *items);
    uint8_t **bufs = calloc(MANY, sizeof *bufs);
    int64_t day = dht_upload_day(now_s());
    for (unsigned i = 0; i < MANY; i++) {
        size_t len;
        tu_message(&bufs[i], &len, 1000 + i, "dave", "carol", 200 + i % 600, now_s(), sk);
        char id[65];
        tu_message_id(id, 1000 + i);
        /* spread over two day buckets as well as all shards */
        dht_key_box(items[i].key, "carol", day - (i % 2), dht_shard_of(id));
        items[i].value = bufs[i];
        items[i].len = len;
        items[i].type = DNASYNC_DHT_TYPE_MESSAGE;
        items[i].id = dht_message_value_id(id);
        items[i].created = now_s() - (i % 2) * DNASYNC_DAY_S;
    }
    uint64_t t0 = dht_mono_ms();
    int ok = dht_put_batch(net[2], items, MANY);
    uint64_t t1 = dht_mono_ms();
    unsigned attempts = 0;
    for (unsigned i = 0; i < MANY; i++)
        attempts += items[i].attempts;
    fprintf(stderr, "batch: %d/%d confirmed in %llu ms, %u attempts\n", ok, MANY,
            (unsigned long long)(t1 - t0), attempts);
    CHECK_EQ_INT(ok, MANY);

    /* a fresh node joins late and reads everything back */
    dht_storage_context_t *fresh = tu_ctx(boot, &clk.env);
    tu_wait_peers(fresh, 2);
    size_t found = 0;
    for (int d = 0; d < 2; d++) {
        for (int s = 0; s < DNASYNC_DHT_SHARDS; s++) {
            uint8_t key[DNASYNC_DHT_KEY_BYTES];
            dht_key_box(key, "carol", day - d, s);
            uint64_t *ids = NULL;
            size_t n = 0;
            CHECK_EQ_INT(dht_list_ids(fresh, key, &ids, &n), 0);
            dht_raw_value_t *raw = NULL;
            size_t rn = 0;
            CHECK_EQ_INT(dht_get_by_ids(fresh, key, ids, n, &raw, &rn), 0);
            CHECK_EQ_INT(rn, n);
            found += rn;
            dht_raw_values_free(raw, rn);
            free(ids);
        }
    }
    fprintf(stderr, "fresh node read %zu values in %llu ms\n", found,
            (unsigned long long)(dht_mono_ms() - t1));
    CHECK_EQ_INT(found, MANY);
    dht_storage_free(fresh);
    for (unsigned i = 0; i < MANY; i++)
        free(bufs[i]);
    free(bufs);
    free(items);
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 11);
    RUN(test_five_nodes);
    RUN(test_thousand_late_joiner);
    for (int i = NODES - 1; i >= 0; i--)
        dht_storage_free(net[i]);
    return 0;
}
