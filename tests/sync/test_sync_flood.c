/* Issue 10 D5: a flood of 30,000 signed summaries (each by its own key, as anyone can make them)
 * on alice's day key. dnasync nodes took them all; a whole-key get then returned nothing, "no
 * summaries" compared equal to "nothing held", and bob's message was never fetched while sync
 * said downloaded 0 and the day verified. Now nodes keep at most DHT_SUMMARY_KEY_CAP summaries
 * per key (DHT_MAX_DEVICES per signing key), a writer already on the key keeps updating its own
 * summary, and a reader treats a key at the cap as flooded: the messages arrive, the day stays
 * unverified and says why. The hostile peer itself keeps and serves all 30,000.
 * Real `dnasync node` processes, a stock OpenDHT hostile peer, real device homes. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "hostile_net.h"
#include "netwait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLOOD 30000
#define ONE_KEY 40 /* summaries of one signing key, each for another "device" */
/* Sync passes a device gets to fetch a message while the nodes still digest the flood. The
 * misses seen with 20 and then 60 passes (CI, 2026-12-02) were not slowness: the honest nodes
 * served 272 summaries and the device checked the same first 256 by id every pass
 * (test_sync_strangers.c has that case on its own). */
#define PASSES 60

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What the dnasync nodes (and devices) hold on key, the hostile peer stopped: total and those
 * signed by the one-key flooder. */
static void count_held(hnet_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox,
                       int64_t day, size_t *total, size_t *one_key)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    const char *boot[HNET_NODES];
    for (size_t i = 0; i < HNET_NODES; i++)
        boot[i] = net->boot[i];
    cfg.bootstrap = boot;
    cfg.n_bootstrap = HNET_NODES;
    cfg.timeout_ms = 30000;
    dht_storage_context_t *c = NULL;
    CHECK_EQ_INT(dht_storage_init(&cfg, &c), 0);
    tu_wait_peers(c, HNET_NODES);
    uint8_t *one = NULL;
    size_t len = 0;
    uint64_t vid = 0;
    hnet_summary(&one, &len, &vid, mailbox, day, 0x0e, 0, 0, 0, 0);
    dht_value_t ref;
    memset(&ref, 0, sizeof ref);
    CHECK_EQ_INT(dht_value_decode(one, len, &ref), 0);
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get(c, key, &raw, &n), 0);
    *total = n;
    *one_key = 0;
    for (size_t i = 0; i < n; i++) {
        dht_value_t v;
        memset(&v, 0, sizeof v);
        if (dht_value_decode(raw[i].data, raw[i].len, &v) == 0 &&
            memcmp(v.author_pk, ref.author_pk, 32) == 0)
            (*one_key)++;
        dht_value_clear(&v);
    }
    dht_raw_values_free(raw, n);
    dht_value_clear(&ref);
    free(one);
    dht_storage_free(c);
}

int main(void)
{
    hnet_t net;
    hnet_start(&net);
    tdev_t desk, web, bob;
    tdev_init(&desk, &net.devs, "alice-desktop", "alice", 0);
    tdev_init(&bob, &net.devs, "bob", "bob", 0);
    hnet_open(&net, &desk);
    hnet_open(&net, &bob);
    tdev_sync(&desk, NULL, NULL, NULL);
    char m1[65], m2[65];
    tdev_send(&bob, "alice", "before the flood", m1);
    int64_t day = (int64_t)(time(NULL) / DNASYNC_DAY_S);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_sum(key, "alice", day), 0);

    /* The flood: FLOOD keys with one summary each, then ONE_KEY summaries of a single key. */
    double t0 = now_s();
    uint8_t **vals = calloc(FLOOD + ONE_KEY, sizeof *vals);
    size_t *lens = calloc(FLOOD + ONE_KEY, sizeof *lens);
    uint64_t *ids = calloc(FLOOD + ONE_KEY, sizeof *ids);
    CHECK(vals && lens && ids);
    for (unsigned i = 0; i < FLOOD + ONE_KEY; i++) {
        int single = i >= FLOOD;
        hnet_summary(&vals[i], &lens[i], &ids[i], "alice", day, single ? 0x0e : 0x100000 + i, i, 0,
                     0, 0);
    }
    double t1 = now_s();
    size_t acked =
        hostile_put_many(net.hostile, key, vals, lens, ids, FLOOD, DNASYNC_DHT_TYPE_SUMMARY);
    acked += hostile_put_many(net.hostile, key, vals + FLOOD, lens + FLOOD, ids + FLOOD, ONE_KEY,
                              DNASYNC_DHT_TYPE_SUMMARY);
    double t2 = now_s();
    fprintf(stderr, "flood: %d summaries signed in %.1f s, put in %.1f s (%zu acknowledged)\n",
            FLOOD + ONE_KEY, t1 - t0, t2 - t1, acked);
    for (unsigned i = 0; i < FLOOD + ONE_KEY; i++)
        free(vals[i]);
    free(vals);
    free(lens);
    free(ids);

    /* Bob's summary was on the key before the flood: his next one is an edit of it. */
    tdev_send(&bob, "alice", "after the flood", m2);
    CHECK(hnet_sync_for(&desk, m1, PASSES));
    CHECK(hnet_sync_for(&desk, m2, PASSES));
    char why[320];
    CHECK(!hnet_today_verified(&desk, why, sizeof why));
    fprintf(stderr, "desktop, today: %s\n", why);
    CHECK(strstr(why, "flooded") != NULL);

    /* A device linked afterwards, reading the flooded key for the first time, gets both. */
    tdev_link(&web, &desk, &net.devs, "alice-web", 0);
    hnet_open(&net, &web);
    CHECK(hnet_sync_for(&web, m1, PASSES));
    CHECK(hnet_sync_for(&web, m2, PASSES));
    CHECK(!hnet_today_verified(&web, why, sizeof why));
    CHECK(strstr(why, "flooded") != NULL);

    /* What the dnasync nodes kept: each at most the caps (several nodes may keep different
     * subsets, so the union is bounded by the number of dnasync nodes that store it). */
    hostile_stop(net.hostile);
    net.hostile = NULL;
    size_t total = 0, one_key = 0;
    count_held(&net, key, "alice", day, &total, &one_key);
    fprintf(stderr, "held by dnasync nodes: %zu summaries, %zu of the one-key flooder\n", total,
            one_key);
    const size_t stores = HNET_NODES + 3; /* the nodes and the three devices' own nodes */
    CHECK(total >= 1 && total <= stores * DHT_SUMMARY_KEY_CAP);
    CHECK(one_key <= stores * DHT_MAX_DEVICES);

    tdev_close(&web);
    tdev_close(&bob);
    tdev_close(&desk);
    hnet_stop(&net);
    return 0;
}
