/* A listen whose nodes all stop answering ends without a word in OpenDHT 2.4.12 (its search
 * expires; docs/sync.md, "a listen that stops hearing"). dht_listen_alive must say so, and a new
 * dht_listen must hear again once the nodes are back. Real nodes: three node processes, stopped
 * (SIGSTOP) and continued by PID, and a listener and a late writer in this process. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dht_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PEERS 3

static int heard;

static void on_value(void *user, const dht_raw_value_t *v, int expired)
{
    (void)user;
    (void)v;
    if (!expired)
        __atomic_add_fetch(&heard, 1, __ATOMIC_SEQ_CST);
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Polls dht_listen_alive every 500 ms for at most limit_s; returns the last answer. */
static int wait_alive(dht_storage_context_t *c, uint64_t tok, int want, int limit_s)
{
    int a = -1;
    for (int i = 0; i < limit_s * 2 && (a = dht_listen_alive(c, tok)) != want; i++)
        sleep_ms(500);
    return a;
}

int main(void)
{
    char *dir = test_tmpdir("listen-alive");
    test_clock_t clk;
    test_clock_init(&clk, (uint64_t)time(NULL), 7);
    pid_t peer[PEERS];
    char first[32] = "";
    for (int i = 0; i < PEERS; i++) {
        char log[4300];
        snprintf(log, sizeof log, "%s/node%d.log", dir, i);
        char *with[] = {"--bind", "127.0.0.1", "--bootstrap", first, NULL};
        char *alone[] = {"--bind", "127.0.0.1", NULL};
        int port = 0;
        peer[i] = tu_spawn_node(i ? with : alone, log, &port);
        CHECK(peer[i] > 0);
        if (!i)
            snprintf(first, sizeof first, "127.0.0.1:%d", port);
    }
    dht_storage_context_t *bob = tu_ctx(first, &clk.env);
    tu_wait_peers(bob, PEERS);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_key_bell(key, "bob", dht_upload_day(clk.now_ms / 1000u));
    uint64_t tok;
    CHECK_EQ_INT(dht_listen(bob, key, on_value, NULL, &tok), 0);
    CHECK_EQ_INT(wait_alive(bob, tok, 1, 30), 1);

    /* Every other node silent: each request of the listen's refresh (every 20 s) goes
     * unanswered through its 3 attempts, and the search expires. */
    for (int i = 0; i < PEERS; i++)
        CHECK_EQ_INT(kill(peer[i], SIGSTOP), 0);
    int during = wait_alive(bob, tok, 0, 90);
    for (int i = 0; i < PEERS; i++)
        CHECK_EQ_INT(kill(peer[i], SIGCONT), 0);
    CHECK_EQ_INT(during, 0);

    CHECK_EQ_INT(dht_listen_cancel(bob, tok), 0);
    CHECK_EQ_INT(dht_listen(bob, key, on_value, NULL, &tok), 0);
    CHECK_EQ_INT(wait_alive(bob, tok, 1, 60), 1);
    dht_storage_context_t *alice = tu_ctx(first, &clk.env); /* a writer that never stopped */
    tu_wait_peers(alice, 2);
    uint8_t sk[32], *val;
    size_t len;
    tu_seed(sk, 1);
    tu_message(&val, &len, 1, "alice", "bob", 200, clk.now_ms / 1000u, sk);
    char id[65];
    tu_message_id(id, 1);
    CHECK_EQ_INT(tu_put_confirmed(alice, key, val, len, DNASYNC_DHT_TYPE_MESSAGE,
                                  dht_message_value_id(id), clk.now_ms / 1000u),
                 0);
    for (int i = 0; i < 100 && __atomic_load_n(&heard, __ATOMIC_SEQ_CST) == 0; i++)
        sleep_ms(100);
    CHECK(__atomic_load_n(&heard, __ATOMIC_SEQ_CST) > 0);

    free(val);
    dht_storage_free(alice);
    dht_storage_free(bob);
    for (int i = 0; i < PEERS; i++)
        CHECK_EQ_INT(proc_stop(peer[i], 15), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
