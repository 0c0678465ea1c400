/* 10,000 puts (<= 1 KiB, over 128 keys) through dht_put_batch on a 3-node loopback network, all
 * retrievable afterwards from a fresh node. Label "slow" (timeout 300 s). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_internal.h"
#include "dht_testutil.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BULK 10000

int main(void)
{
    test_clock_t clk;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 3);
    dht_storage_context_t *a = tu_ctx(NULL, &clk.env);
    char boot[32];
    tu_addr(a, boot);
    dht_storage_context_t *b = tu_ctx(boot, &clk.env), *w = tu_ctx(boot, &clk.env);
    tu_wait_peers(w, 2);
    uint8_t sk[32];
    tu_seed(sk, 4);
    dht_put_item_t *items = calloc(BULK, sizeof *items);
    uint8_t **bufs = calloc(BULK, sizeof *bufs);
    int64_t day = dht_upload_day(clk.now_ms / 1000u);
    for (unsigned i = 0; i < BULK; i++) {
        size_t len;
        tu_message(&bufs[i], &len, 100000 + i, "erin", "frank", 100 + i % 700, clk.now_ms / 1000u,
                   sk);
        CHECK(len <= 1024);
        char id[65];
        tu_message_id(id, 100000 + i);
        dht_key_box(items[i].key, "frank", day, dht_shard_of(id));
        items[i].value = bufs[i];
        items[i].len = len;
        items[i].type = DNASYNC_DHT_TYPE_MESSAGE;
        items[i].id = dht_message_value_id(id);
    }
    uint64_t t0 = dht_mono_ms();
    int ok = dht_put_batch(w, items, BULK);
    uint64_t t1 = dht_mono_ms();
    unsigned attempts = 0;
    for (unsigned i = 0; i < BULK; i++)
        attempts += items[i].attempts;
    fprintf(stderr, "batch: %d/%d confirmed in %llu ms, %u attempts\n", ok, BULK,
            (unsigned long long)(t1 - t0), attempts);
    CHECK_EQ_INT(ok, BULK);
    dht_storage_free(w);
    dht_storage_context_t *fresh = tu_ctx(boot, &clk.env);
    tu_wait_peers(fresh, 2);
    /* Read the way a careful reader does: a whole-key get answers with every value at once and
     * on a busy machine that UDP burst can lose a few (docs/sync.md "Reading a shard"), so fetch
     * each shard's ids 16 at a time and ask again (bounded) for any that did not come back. */
    size_t found = 0;
    for (int s = 0; s < DNASYNC_DHT_SHARDS; s++) {
        uint8_t key[DNASYNC_DHT_KEY_BYTES];
        dht_key_box(key, "frank", day, s);
        uint64_t want[BULK];
        size_t n_want = 0;
        for (unsigned i = 0; i < BULK; i++)
            if (memcmp(items[i].key, key, DNASYNC_DHT_KEY_BYTES) == 0)
                want[n_want++] = items[i].id;
        for (int round = 0; round < 5 && n_want > 0; round++) {
            size_t still = 0;
            for (size_t i = 0; i < n_want; i += 16) {
                size_t k = n_want - i < 16 ? n_want - i : 16;
                dht_raw_value_t *raw = NULL;
                size_t n = 0;
                CHECK_EQ_INT(dht_get_by_ids(fresh, key, want + i, k, &raw, &n), 0);
                for (size_t j = 0; j < k; j++) {
                    int got = 0;
                    for (size_t r = 0; r < n && !got; r++)
                        got = raw[r].id == want[i + j];
                    if (got)
                        found++;
                    else
                        want[still++] = want[i + j]; /* still <= i + j: safe in place */
                }
                dht_raw_values_free(raw, n);
            }
            n_want = still;
        }
    }
    fprintf(stderr, "fresh node read %zu values in %llu ms\n", found,
            (unsigned long long)(dht_mono_ms() - t1));
    CHECK_EQ_INT(found, BULK);
    dht_storage_free(fresh);
    dht_storage_free(b);
    dht_storage_free(a);
    for (unsigned i = 0; i < BULK; i++)
        free(bufs[i]);
    free(bufs);
    free(items);
    return 0;
}
