/* dht_put_batch confirms the items of one batch at once: a send puts a message into two mailboxes
 * (two keys), and their confirming checks must be out together, not one round trip after the
 * other (BENCHMARKS.md, row 9: a daemon send was ~7 DHT round trips in turn).
 * The link wraps the adapter's check (dnad_held_async): each check's answer is held (bounded,
 * 5 s) until a second check is out, so a batch that checks one item after the other shows at most
 * one check at a time, and one that checks them together shows two. No timing is asserted: only
 * how many checks were out at once. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "testenv.h"

#include "dht/dht_adapter.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOLD_S 5

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int out, most; /* checks out now, and the most out at once */

static void check_out(void)
{
    pthread_mutex_lock(&mu);
    if (++out > most)
        most = out;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits (caller holds mu) until two checks were out at once, at most HOLD_S. */
static void hold(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += HOLD_S;
    while (most < 2 && pthread_cond_timedwait(&cv, &mu, &until) == 0) {
    }
}

int __real_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);
int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);

/* A check's answer, handed on by a thread of its own once held (the DHT thread, which calls
 * answered(), must not wait: the other key's put is done on it). */
typedef struct held {
    dnad_held_cb cb;
    void *user;
    int ok, remote, local;
} held_t;

static void *hand_on(void *arg)
{
    held_t *h = arg;
    pthread_mutex_lock(&mu);
    hold();
    out--;
    pthread_mutex_unlock(&mu);
    h->cb(h->user, h->ok, h->remote, h->local);
    free(h);
    return NULL;
}

static void answered(void *user, int ok, int remote, int local)
{
    held_t *h = user;
    h->ok = ok;
    h->remote = remote;
    h->local = local;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, hand_on, h) == 0);
    pthread_detach(t);
}

int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user)
{
    held_t *h = calloc(1, sizeof *h);
    CHECK(h != NULL);
    h->cb = cb;
    h->user = user;
    check_out();
    int rc = __real_dnad_held_async(n, key, id, data, len, answered, h);
    if (rc != 0) {
        pthread_mutex_lock(&mu);
        out--;
        pthread_mutex_unlock(&mu);
        free(h);
    }
    return rc;
}

/* A message into both mailboxes (two keys, one batch, as a send puts it). */
static void test_two_mailboxes_checked_at_once(void)
{
    char boot[32];
    uint8_t sk[32];
    tu_seed(sk, 5);
    uint64_t now = (uint64_t)time(NULL);
    uint8_t *m;
    size_t len;
    test_clock_t clk;
    test_clock_init(&clk, now, 5);
    tu_message(&m, &len, 7, "bob", "alice", 200, now, sk);
    dht_storage_context_t *a = tu_ctx(NULL, &clk.env);
    tu_addr(a, boot);
    dht_storage_context_t *b = tu_ctx(boot, &clk.env);
    dht_storage_context_t *w = tu_ctx(boot, &clk.env);
    tu_wait_peers(b, 1);
    tu_wait_peers(w, 1);
    pthread_mutex_lock(&mu);
    most = 0;
    pthread_mutex_unlock(&mu);
    CHECK_EQ_INT(tu_put_value(w, m, len, now, NULL), 0);
    pthread_mutex_lock(&mu);
    int seen = most;
    pthread_mutex_unlock(&mu);
    fprintf(stderr, "confirming checks out at once: %d\n", seen);
    CHECK(seen >= 2);
    free(m);
    dht_storage_free(w);
    dht_storage_free(b);
    dht_storage_free(a);
}

int main(void)
{
    RUN(test_two_mailboxes_checked_at_once);
    return 0;
}
