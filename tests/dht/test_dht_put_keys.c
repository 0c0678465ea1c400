/* dht_put_batch starts the searches of a batch's keys together (issue 14, row 1a): while a node
 * that left the network is still in the routing table, every new key's search waits ~1.1 s for
 * it, and a window of 16 puts (~5 keys of 3 values) queued those waits one after the other
 * (bench/BENCHMARKS.notes.md, "Rows 1a and 2a traced").
 * Two nodes, a third that joins and leaves (departed: the writer's bootstrap node, so in its
 * table), and a writer that puts KEYS x PER_KEY values. The link wraps the adapter's put, check and
 * id listing and counts the distinct keys with a call out at once: with 16 puts and 16 checks in
 * flight at most 32 keys can be, so a batch that waits key by key shows at most 32 and one that
 * starts every key's search at once shows all KEYS. Every value must still be confirmed by another
 * node's copy. No timing is asserted. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "testenv.h"

#include "dht/dht_adapter.h"
#include "dht/dht_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS 48
#define PER_KEY 3
#define MAX_SEEN 256 /* keys the wrappers can tell apart */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t seen[MAX_SEEN][DNASYNC_DHT_KEY_BYTES];
static int out[MAX_SEEN], n_seen, keys_out, most, listings;

static int key_begin(const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    pthread_mutex_lock(&mu);
    int k = 0;
    while (k < n_seen && memcmp(seen[k], key, DNASYNC_DHT_KEY_BYTES) != 0)
        k++;
    if (k == n_seen) {
        CHECK(n_seen < MAX_SEEN);
        memcpy(seen[n_seen++], key, DNASYNC_DHT_KEY_BYTES);
    }
    if (out[k]++ == 0 && ++keys_out > most)
        most = keys_out;
    pthread_mutex_unlock(&mu);
    return k;
}

static void key_end(int k)
{
    pthread_mutex_lock(&mu);
    if (--out[k] == 0)
        keys_out--;
    pthread_mutex_unlock(&mu);
}

/* One wrapped call: its key and the caller's callback. */
typedef struct call {
    int key;
    void *user;
    dnad_done_cb done;
    dnad_held_cb held;
    dnad_ids_cb ids;
} call_t;

static call_t *call_new(const uint8_t key[DNASYNC_DHT_KEY_BYTES], void *user)
{
    call_t *c = calloc(1, sizeof *c);
    CHECK(c != NULL);
    c->key = key_begin(key);
    c->user = user;
    return c;
}

/* The real call refused: its callback never runs. */
static int call_sent(call_t *c, int rc)
{
    if (rc != 0) {
        key_end(c->key);
        free(c);
    }
    return rc;
}

static void put_done(void *user, int ok)
{
    call_t *c = user;
    key_end(c->key);
    if (c->done)
        c->done(c->user, ok);
    free(c);
}

static void held_done(void *user, int ok, int remote, int local)
{
    call_t *c = user;
    key_end(c->key);
    c->held(c->user, ok, remote, local);
    free(c);
}

static void ids_done(void *user, int ok, const uint64_t *ids, size_t count)
{
    call_t *c = user;
    key_end(c->key);
    c->ids(c->user, ok, ids, count);
    free(c);
}

int __real_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user);
int __wrap_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user);
int __real_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);
int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);
int __real_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);
int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);

int __wrap_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user)
{
    call_t *c = call_new(key, user);
    c->done = cb;
    return call_sent(c, __real_dnad_put(n, key, data, len, type, id, age_ms, put_done, c));
}

int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user)
{
    call_t *c = call_new(key, user);
    c->held = cb;
    return call_sent(c, __real_dnad_held_async(n, key, id, data, len, held_done, c));
}

int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user)
{
    call_t *c = call_new(key, user);
    c->ids = cb;
    pthread_mutex_lock(&mu);
    listings++;
    pthread_mutex_unlock(&mu);
    return call_sent(c, __real_dnad_list_ids_async(n, key, ids_done, c));
}

/* The test clock at the wall clock's second; returns that second. */
static uint64_t clock_at_now(test_clock_t *clk, uint64_t seed)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(clk, (uint64_t)ts.tv_sec, seed);
    return clk->now_ms / 1000u;
}

/* Item it: message n from `from` into box's (day, shard) key; shard < 0: the message's own.
 * *buf is the value, caller frees. */
static void message_item(dht_put_item_t *it, uint8_t **buf, unsigned n, const char *from,
                         const char *box, int64_t day, int shard, uint64_t now,
                         const uint8_t sk[32])
{
    size_t len;
    tu_message(buf, &len, n, from, box, 200, now, sk);
    char id[65];
    tu_message_id(id, n);
    CHECK_EQ_INT(dht_key_box(it->key, box, day, shard < 0 ? dht_shard_of(id) : shard), 0);
    it->value = *buf;
    it->len = len;
    it->type = DNASYNC_DHT_TYPE_MESSAGE;
    it->id = dht_message_value_id(id);
    it->created = now;
}

static void test_departed_node_waits_overlap(void)
{
    test_clock_t clk;
    uint64_t now = clock_at_now(&clk, 9);
    dht_storage_context_t *a = tu_ctx(NULL, &clk.env);
    char boot[32];
    tu_addr(a, boot);
    dht_storage_context_t *b = tu_ctx(boot, &clk.env), *gone = tu_ctx(boot, &clk.env);
    tu_wait_peers(gone, 1);
    char via[32];
    tu_addr(gone, via); /* the writer knows it for sure: its bootstrap, answered */
    dht_storage_context_t *w = tu_ctx(via, &clk.env);
    tu_wait_peers(w, 2);
    dht_storage_free(gone); /* it never says so: the writer's searches wait for it */

    uint8_t sk[32];
    tu_seed(sk, 9);
    dht_put_item_t items[KEYS * PER_KEY];
    uint8_t *bufs[KEYS * PER_KEY];
    memset(items, 0, sizeof items);
    int64_t day = dht_upload_day(now);
    for (unsigned i = 0; i < KEYS * PER_KEY; i++) {
        unsigned n = i / PER_KEY + 256u * (i % PER_KEY); /* shard i / PER_KEY, key-major */
        message_item(&items[i], &bufs[i], n, "erin", "frank", day, -1, now, sk);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ok = dht_put_batch(w, items, KEYS * PER_KEY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    unsigned attempts = 0;
    for (unsigned i = 0; i < KEYS * PER_KEY; i++)
        attempts += items[i].attempts;
    pthread_mutex_lock(&mu);
    int keys_seen = n_seen, at_once = most;
    pthread_mutex_unlock(&mu);
    fprintf(stderr,
            "%d of %d confirmed in %.2f s (not asserted), %u attempts; %d keys, at most %d with a "
            "call out at once\n",
            ok, KEYS * PER_KEY, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
            attempts, keys_seen, at_once);
    CHECK_EQ_INT(ok, KEYS * PER_KEY);
    CHECK_EQ_INT(keys_seen, KEYS);
    CHECK(at_once > 2 * DNASYNC_DHT_MAX_IN_FLIGHT);
    for (unsigned i = 0; i < KEYS * PER_KEY; i++)
        free(bufs[i]);
    dht_storage_free(w);
    dht_storage_free(b);
    dht_storage_free(a);
}

/* Keys the caller warmed (dht_storage_warm_keys) get one listing each: dht_put_batch does not
 * list them again, nor does a second warm-up within 30 s. */
static void test_warmed_keys_listed_once(void)
{
    test_clock_t clk;
    uint64_t now = clock_at_now(&clk, 11);
    dht_storage_context_t *a = tu_ctx(NULL, &clk.env);
    char boot[32];
    tu_addr(a, boot);
    dht_storage_context_t *w = tu_ctx(boot, &clk.env);
    tu_wait_peers(w, 1);
    uint8_t sk[32];
    tu_seed(sk, 11);
    dht_put_item_t items[KEYS];
    uint8_t *bufs[KEYS], keys[KEYS][DNASYNC_DHT_KEY_BYTES];
    memset(items, 0, sizeof items);
    int64_t day = dht_upload_day(now);
    for (unsigned i = 0; i < KEYS; i++) {
        message_item(&items[i], &bufs[i], 1000 + i, "gina", "hank", day, (int)i, now, sk);
        memcpy(keys[i], items[i].key, DNASYNC_DHT_KEY_BYTES);
    }
    pthread_mutex_lock(&mu);
    listings = 0;
    pthread_mutex_unlock(&mu);
    dht_storage_warm_keys(w, (const uint8_t(*)[DNASYNC_DHT_KEY_BYTES])keys, KEYS);
    dht_storage_warm_keys(w, (const uint8_t(*)[DNASYNC_DHT_KEY_BYTES])keys, KEYS);
    int ok = dht_put_batch(w, items, KEYS);
    pthread_mutex_lock(&mu);
    int n = listings;
    pthread_mutex_unlock(&mu);
    fprintf(stderr, "%d of %d confirmed; %d listings for %d warmed keys\n", ok, KEYS, n, KEYS);
    CHECK_EQ_INT(ok, KEYS);
    CHECK_EQ_INT(n, KEYS);
    for (unsigned i = 0; i < KEYS; i++)
        free(bufs[i]);
    dht_storage_free(w);
    dht_storage_free(a);
}

/* A key counts as warmed from the moment its warm-up is sent, in the same millisecond too: the
 * put that follows a warm-up at once must not list it again. 200 keys (the ring holds 272), each
 * asked about right after its own warm-up, most within the same millisecond. */
static void test_warmed_at_once(void)
{
    test_clock_t clk;
    clock_at_now(&clk, 12);
    pthread_mutex_lock(&mu); /* the tests before freed their nodes: nothing is out */
    n_seen = keys_out = most = 0;
    memset(out, 0, sizeof out);
    pthread_mutex_unlock(&mu);
    dht_storage_context_t *a = tu_ctx(NULL, &clk.env);
    int fresh = 0;
    for (int i = 0; i < 200; i++) {
        uint8_t key[1][DNASYNC_DHT_KEY_BYTES];
        CHECK_EQ_INT(dht_key_box(key[0], "ivan", 20000, i % 64), 0);
        key[0][DNASYNC_DHT_KEY_BYTES - 1] ^= (uint8_t)(i / 64); /* 200 distinct keys */
        dht_storage_warm_keys(a, (const uint8_t(*)[DNASYNC_DHT_KEY_BYTES])key, 1);
        fresh += dht_warmed_lately(a, key[0]);
    }
    fprintf(stderr, "%d of 200 keys warmed at once\n", fresh);
    CHECK_EQ_INT(fresh, 200);
    dht_storage_free(a);
}

int main(void)
{
    RUN(test_departed_node_waits_overlap);
    RUN(test_warmed_keys_listed_once);
    RUN(test_warmed_at_once);
    return 0;
}
