/* The searches of the keys a pass will use start together (issue 14, rows 1a and 2a): while a
 * node that left the network is still in the routing table, OpenDHT 2.4 waits ~1.1 s for it in
 * every new key's search, so keys reached one group after another take those waits in turn
 * (BENCHMARKS.md, "This run": 48 shard reads waiting in 6 waves of 8; an upload's summary and
 * doorbell waiting after its bundles).
 * Four real nodes; alice sends bob messages over ~60 shards of his mailbox while his device is
 * offline; it opens again, bootstrapped through every node, then node 0 stops without a word
 * (departed, in both devices' tables). The link wraps the adapter's calls and classifies their
 * keys. Download: the most distinct shard keys of bob's mailbox with a call out at once, at most
 * 2 x SYNC_READ_AHEAD (the first look and the complete read) when shards are read a group at a
 * time, all of them when every search starts at once. Upload (alice, messages added pending, one
 * upload): the first call on a summary or doorbell key must begin before the last call on a
 * bundle's key ended, not after it. Every message must still arrive. No timing is asserted. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_adapter.h"
#include "sync/sync_cache_add.h"
#include "sync/sync_context.h"
#include "sync/sync_net.h"
#include "sync_testnet.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_MSGS 96
#define N_UP 200
#define SHARDS DNASYNC_DHT_SHARDS
/* Classes of keys: bob's shards, alice's shards, then the two mailboxes' summary and bell keys. */
#define K_BOB 0
#define K_ALICE SHARDS
#define K_META (2 * SHARDS)
#define N_KEYS (2 * SHARDS + 4)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t keyset[N_KEYS][DNASYNC_DHT_KEY_BYTES];
static int counting, out[N_KEYS], touched[N_KEYS];
static int bob_out, bob_most;              /* download: bob's shard keys with a call out */
static long seq, meta_first, box_last_end; /* upload: order of calls (0: none yet) */
static long first_seq[N_KEYS], first_put;  /* upload: each key's first call, the first put's */

static int key_begin(const uint8_t key[DNASYNC_DHT_KEY_BYTES], int put)
{
    pthread_mutex_lock(&mu);
    int k = -1;
    for (int i = 0; counting && k < 0 && i < N_KEYS; i++)
        if (memcmp(keyset[i], key, DNASYNC_DHT_KEY_BYTES) == 0)
            k = i;
    if (k >= 0) {
        touched[k] = 1;
        seq++;
        if (first_seq[k] == 0)
            first_seq[k] = seq;
        if (put && k < K_META && first_put == 0)
            first_put = seq;
        if (k >= K_META && meta_first == 0)
            meta_first = seq;
        int first = out[k]++ == 0;
        if (first && k < K_ALICE && ++bob_out > bob_most)
            bob_most = bob_out;
    }
    pthread_mutex_unlock(&mu);
    return k;
}

static void key_end(int k)
{
    if (k < 0)
        return;
    pthread_mutex_lock(&mu);
    seq++;
    if (k < K_META)
        box_last_end = seq;
    int last = --out[k] == 0;
    if (last && k < K_ALICE)
        bob_out--;
    pthread_mutex_unlock(&mu);
}

int __real_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count);
int __wrap_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count);
int __real_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count);
int __wrap_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count);
int __real_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);
int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);
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

int __wrap_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count)
{
    int k = key_begin(key, 0);
    int rc = __real_dnad_get(n, key, ids, n_ids, timeout_ms, out, count);
    key_end(k);
    return rc;
}

int __wrap_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count)
{
    int k = key_begin(key, 0);
    int rc = __real_dnad_list_ids(n, key, timeout_ms, ids, count);
    key_end(k);
    return rc;
}

/* One wrapped asynchronous call: its key and the caller's callback. */
typedef struct call {
    int key;
    void *user;
    dnad_ids_cb ids;
    dnad_done_cb done;
    dnad_held_cb held;
} call_t;

static call_t *call_new(const uint8_t key[DNASYNC_DHT_KEY_BYTES], void *user, int put)
{
    call_t *c = calloc(1, sizeof *c);
    CHECK(c != NULL);
    c->key = key_begin(key, put);
    c->user = user;
    return c;
}

static int call_sent(call_t *c, int rc)
{
    if (rc != 0) { /* refused: its callback never runs */
        key_end(c->key);
        free(c);
    }
    return rc;
}

static void ids_done(void *user, int ok, const uint64_t *ids, size_t count)
{
    call_t *c = user;
    key_end(c->key);
    c->ids(c->user, ok, ids, count);
    free(c);
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

int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user)
{
    call_t *c = call_new(key, user, 0);
    c->ids = cb;
    return call_sent(c, __real_dnad_list_ids_async(n, key, ids_done, c));
}

int __wrap_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user)
{
    call_t *c = call_new(key, user, 1);
    c->done = cb;
    return call_sent(c, __real_dnad_put(n, key, data, len, type, id, age_ms, put_done, c));
}

int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user)
{
    call_t *c = call_new(key, user, 0);
    c->held = cb;
    return call_sent(c, __real_dnad_held_async(n, key, id, data, len, held_done, c));
}

static void count(int on)
{
    pthread_mutex_lock(&mu);
    counting = on;
    pthread_mutex_unlock(&mu);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* bob's catch-up: the day's differing shards' searches all out at once. */
static void check_download(tdev_t *bob)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    count(1);
    int passes = 0;
    for (; passes < 5 && tdev_inbox(bob, NULL, 0) < N_MSGS; passes++)
        tdev_sync(bob, NULL, NULL, NULL); /* a value may reach its last node a little later */
    count(0);
    int shards = 0;
    for (int s = 0; s < SHARDS; s++)
        shards += touched[K_BOB + s];
    size_t got = tdev_inbox(bob, NULL, 0);
    fprintf(stderr,
            "download: %zu of %d in %d passes, %.2f s (not asserted); %d shard keys read, at most "
            "%d with a call out at once\n",
            got, N_MSGS, passes, since(&t0), shards, bob_most);
    CHECK_EQ_INT((int)got, N_MSGS);
    CHECK(shards > 3 * SYNC_READ_AHEAD);
    CHECK(bob_most > 2 * SYNC_READ_AHEAD);
    CHECK(bob_most >= shards * 9 / 10);
}

/* alice's upload of N_UP pending messages: the summaries' and bells' searches begin while the
 * bundles' calls are still out. */
static void check_upload(tdev_t *alice)
{
    for (int i = 0; i < N_UP; i++) {
        char text[32], id[65];
        snprintf(text, sizeof text, "pending %d", i);
        CHECK_EQ_INT(sync_cache_add_text(alice->sync, "alice", "bob", text, 0, false, id), 0);
    }
    pthread_mutex_lock(&mu);
    seq = meta_first = box_last_end = first_put = 0;
    memset(first_seq, 0, sizeof first_seq);
    pthread_mutex_unlock(&mu);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    count(1);
    int up = sync_upload_pending(alice->sync);
    count(0);
    int keys = 0, early = 0; /* bundle keys; those with a call begun before the first put */
    for (int k = 0; k < K_META; k++) {
        keys += first_seq[k] > 0;
        early += first_seq[k] > 0 && first_seq[k] < first_put;
    }
    fprintf(
        stderr,
        "upload: %d of %d in %.2f s (not asserted); %d bundle keys, %d with a call begun before "
        "the first put; first summary or bell call at step %ld, last bundle-key call ended at "
        "step %ld\n",
        up, N_UP, since(&t0), keys, early, meta_first, box_last_end);
    CHECK_EQ_INT(up, N_UP);
    CHECK(keys > 3 * DNASYNC_DHT_MAX_IN_FLIGHT);
    CHECK(early >= keys * 9 / 10);
    CHECK(meta_first > 0 && box_last_end > 0);
    CHECK(meta_first < box_last_end);
}

int main(void)
{
    tnet_t net;
    tdev_t alice, bob;
    tnet_start(&net, 4, 0);
    tdev_init(&alice, &net, "alice", "alice", 0);
    tdev_init(&bob, &net, "bob", "bob", 0);
    tdev_open(&bob, &net); /* publishes his identity record */
    tdev_sync(&bob, NULL, NULL, NULL);
    tdev_close(&bob);
    tdev_open(&alice, &net);
    for (int i = 0; i < N_MSGS; i++) {
        char text[32], id[65];
        snprintf(text, sizeof text, "catch-up %d", i);
        tdev_send(&alice, "bob", text, id);
    }
    tdev_open(&bob, &net); /* bootstraps through every node, node 0 included */
    tnet_stop_node(&net, 0);
    int64_t day = sync_today(bob.sync);
    const char *bob_box = bob.sync->identity, *alice_box = alice.sync->identity;
    for (unsigned s = 0; s < SHARDS; s++) {
        CHECK_EQ_INT(net_key_box(bob_box, day, s, keyset[K_BOB + s]), 0);
        CHECK_EQ_INT(net_key_box(alice_box, day, s, keyset[K_ALICE + s]), 0);
    }
    CHECK_EQ_INT(net_key_sum(alice_box, day, keyset[K_META]), 0);
    CHECK_EQ_INT(net_key_sum(bob_box, day, keyset[K_META + 1]), 0);
    CHECK_EQ_INT(net_key_bell(alice_box, day, keyset[K_META + 2]), 0);
    CHECK_EQ_INT(net_key_bell(bob_box, day, keyset[K_META + 3]), 0);
    check_download(&bob);
    check_upload(&alice);
    tdev_close(&bob);
    tdev_close(&alice);
    tnet_free(&net);
    return 0;
}
