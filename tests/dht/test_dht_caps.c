/* Issue 10 D5: what one key may hold on a real `dnasync node` process. A client puts more than
 * the caps allow, then goes away; a fresh client then sees what the node kept: at most
 * DHT_SUMMARY_KEY_CAP summaries on a summary key, at most DHT_MAX_DEVICES of them by one signing
 * key, at most DHT_KEY_CAP values on any other key; a summary only at its own key; and a writer
 * already on a full key can still replace its summary with a newer edition. Last, a device puts
 * the engine's way (dht_put_batch): a summary the node takes is confirmed, and one more summary
 * by the full signer, which the node refuses while answering the put like a stored one, is not:
 * the node keeps its 16 and no other node holds the device's copy (docs/dht.md "Caps"); the same
 * again on a key the device listens on, whose gets OpenDHT may answer from the listen's cache. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dht_testutil.h"
#include "proc.h"
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

static dht_storage_context_t *client(const char *addr)
{
    dht_storage_context_t *c = tu_ctx(addr, &clk.env);
    tu_wait_peers(c, 1);
    return c;
}

/* A summary of (mailbox, day) by the key seeded from signer, for device writer. */
static void summary(uint8_t **out, size_t *len, uint64_t *id, const char *mailbox, int64_t day,
                    unsigned signer, unsigned writer, uint64_t counter)
{
    uint8_t sk[32];
    tu_seed(sk, 0);
    memcpy(sk, &signer, sizeof signer); /* tu_seed repeats every 256 */
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = (uint64_t)day * DNASYNC_DAY_S + 60u;
    v.mailbox = (char *)mailbox;
    v.day = (uint64_t)day;
    memcpy(v.writer_id, &writer, sizeof writer);
    v.counter = counter;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
    *id = dht_value_id(&v);
}

static void put(dht_storage_context_t *c, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint8_t *val,
                size_t len, uint16_t type, uint64_t id, uint64_t created)
{
    (void)dht_put(c, key, val, len, type, id, created); /* refusals are the point */
    free(val);
}

static void on_listened(void *user, const dht_raw_value_t *value, int expired)
{
    (void)user;
    (void)value;
    (void)expired;
}

/* Values the node holds at key (counted through a fresh client), and how many by signer. */
static size_t held(const char *addr, const uint8_t key[DNASYNC_DHT_KEY_BYTES], unsigned signer,
                   size_t *by_signer)
{
    dht_storage_context_t *c = client(addr);
    uint8_t *one;
    size_t len;
    uint64_t id;
    summary(&one, &len, &id, "x", 1, signer, 0, 1);
    dht_value_t ref;
    CHECK_EQ_INT(dht_value_decode(one, len, &ref), 0);
    free(one);
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get(c, key, &raw, &n), 0);
    *by_signer = 0;
    for (size_t i = 0; i < n; i++) {
        dht_value_t v;
        if (dht_value_decode(raw[i].data, raw[i].len, &v) == 0 &&
            memcmp(v.author_pk, ref.author_pk, 32) == 0)
            (*by_signer)++;
        dht_value_clear(&v);
    }
    dht_value_clear(&ref);
    dht_raw_values_free(raw, n);
    dht_storage_free(c);
    return n;
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 11);
    char *dir = test_tmpdir("dht-caps");
    char log[4096], addr[32];
    snprintf(log, sizeof log, "%s/node.log", dir);
    char *args[] = {"--bind", "127.0.0.1", NULL};
    int port = 0;
    pid_t pid = tu_spawn_node(args, log, &port);
    CHECK(pid > 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int64_t day = (int64_t)(clk.now_ms / 1000u / DNASYNC_DAY_S);
    uint64_t created = (uint64_t)day * DNASYNC_DAY_S + 60u;
    uint8_t k1[DNASYNC_DHT_KEY_BYTES], k2[DNASYNC_DHT_KEY_BYTES], box[DNASYNC_DHT_KEY_BYTES], *v;
    size_t len, by = 0;
    uint64_t id, first_id = 0;
    CHECK_EQ_INT(dht_key_sum(k1, "alice", day), 0);
    CHECK_EQ_INT(dht_key_sum(k2, "carol", day), 0);
    CHECK_EQ_INT(dht_key_box(box, "alice", day, 5), 0);

    dht_storage_context_t *c = client(addr);
    fprintf(stderr, "-- %d summaries by as many keys on one key\n", DHT_SUMMARY_KEY_CAP + 44);
    for (unsigned i = 0; i < DHT_SUMMARY_KEY_CAP + 44; i++) {
        summary(&v, &len, &id, "alice", day, 1000 + i, 1, 1);
        if (i == 0)
            first_id = id;
        put(c, k1, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
    }
    fprintf(stderr, "-- 40 summaries by one key (40 devices) on another\n");
    for (unsigned i = 0; i < 40; i++) {
        summary(&v, &len, &id, "carol", day, 7, i, 1);
        put(c, k2, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
    }
    fprintf(stderr, "-- a summary parked on a box key\n");
    summary(&v, &len, &id, "alice", day, 8, 1, 1);
    put(c, box, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
    fprintf(stderr, "-- %d messages on one box key\n", DHT_KEY_CAP + 20);
    uint8_t sk[32];
    tu_seed(sk, 3);
    for (unsigned i = 0; i < DHT_KEY_CAP + 20; i++) {
        tu_message(&v, &len, i, "bob", "alice", 16, created, sk);
        dht_value_t d;
        CHECK_EQ_INT(dht_value_decode(v, len, &d), 0);
        id = dht_value_id(&d);
        dht_value_clear(&d);
        put(c, box, v, len, DNASYNC_DHT_TYPE_MESSAGE, id, created);
    }
    sleep_ms(1000);
    dht_storage_free(c); /* the putting client's own store goes with it */

    size_t n1 = held(addr, k1, 1000, &by);
    size_t n2 = held(addr, k2, 7, &by);
    size_t nb = held(addr, box, 8, &by);
    fprintf(stderr,
            "node keeps: %zu summaries on the full key, %zu by the one key (%zu values on "
            "the box key, %zu of them summaries)\n",
            n1, n2, nb, by);
    CHECK_EQ_INT(n1, DHT_SUMMARY_KEY_CAP);
    CHECK_EQ_INT(n2, DHT_MAX_DEVICES);
    CHECK_EQ_INT(nb, DHT_KEY_CAP);
    CHECK_EQ_INT(by, 0);

    fprintf(stderr, "-- a writer already on the full key still replaces its own summary\n");
    c = client(addr);
    summary(&v, &len, &id, "alice", day, 1000, 1, 2);
    CHECK(id == first_id);
    put(c, k1, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
    sleep_ms(500);
    dht_storage_free(c);
    c = client(addr);
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get_by_ids(c, k1, &first_id, 1, &raw, &n), 0);
    CHECK_EQ_INT(n, 1);
    dht_value_t d;
    CHECK_EQ_INT(dht_value_decode(raw[0].data, raw[0].len, &d), 0);
    CHECK_EQ_INT((int)d.counter, 2);
    dht_value_clear(&d);
    dht_raw_values_free(raw, n);
    dht_storage_free(c);

    fprintf(stderr, "-- a device puts, the engine's way: a summary the node takes, then one more "
                    "summary by the full signer\n");
    {
        dht_storage_config_t cfg;
        dht_storage_config_default(&cfg);
        cfg.env = &clk.env;
        cfg.timeout_ms = 8000;
        cfg.peers_confirm = 1; /* a device's node */
        const char *bs[1] = {addr};
        cfg.bootstrap = bs;
        cfg.n_bootstrap = 1;
        dht_storage_context_t *dev = NULL;
        CHECK_EQ_INT(dht_storage_init(&cfg, &dev), 0);
        tu_wait_peers(dev, 1);
        uint8_t k3[DNASYNC_DHT_KEY_BYTES];
        CHECK_EQ_INT(dht_key_sum(k3, "dave", day), 0);
        summary(&v, &len, &id, "dave", day, 9, 1, 1);
        int st = tu_put_confirmed(dev, k3, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
        fprintf(stderr, "device: taken put, status %d (%s)\n", st, dnasync_strerror(st));
        free(v);
        CHECK_EQ_INT(st, 0);
        summary(&v, &len, &id, "carol", day, 7, 100, 1);
        st = tu_put_confirmed(dev, k2, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
        fprintf(stderr, "device: refused put, status %d (%s): %s\n", st, dnasync_strerror(st),
                dht_storage_errmsg(dev));
        free(v);
        /* Only the device's own store holds it: it must not count as uploaded. */
        CHECK(st != 0);
        fprintf(stderr, "-- the same on a key the device listens on (OpenDHT answers a get there "
                        "from the listen's cache)\n");
        uint8_t k4[DNASYNC_DHT_KEY_BYTES];
        CHECK_EQ_INT(dht_key_box(k4, "erin", day, 9), 0);
        uint64_t tok = 0;
        CHECK_EQ_INT(dht_listen(dev, k4, on_listened, NULL, &tok), 0);
        tu_message(&v, &len, 1, "bob", "erin", 16, created, sk);
        dht_value_t m;
        CHECK_EQ_INT(dht_value_decode(v, len, &m), 0);
        id = dht_value_id(&m);
        dht_value_clear(&m);
        st = tu_put_confirmed(dev, k4, v, len, DNASYNC_DHT_TYPE_MESSAGE, id, created);
        fprintf(stderr, "device: taken put, status %d (%s)\n", st, dnasync_strerror(st));
        free(v);
        CHECK_EQ_INT(st, 0);
        summary(&v, &len, &id, "erin", day, 9, 1, 1); /* a summary parked on a box key */
        st = tu_put_confirmed(dev, k4, v, len, DNASYNC_DHT_TYPE_SUMMARY, id, created);
        fprintf(stderr, "device: refused put, status %d (%s)\n", st, dnasync_strerror(st));
        free(v);
        CHECK(st != 0);
        CHECK_EQ_INT(dht_listen_cancel(dev, tok), 0);
        dht_storage_free(dev);
        size_t kept = held(addr, k2, 7, &by);
        fprintf(stderr, "node keeps %zu on the full key\n", kept);
        CHECK_EQ_INT(kept, DHT_MAX_DEVICES);
        CHECK_EQ_INT(held(addr, k3, 9, &by), 1);
        CHECK_EQ_INT(by, 1);
        CHECK_EQ_INT(held(addr, k4, 9, &by), 1);
        CHECK_EQ_INT(by, 0);
    }

    CHECK_EQ_INT(proc_stop(pid, 15), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
