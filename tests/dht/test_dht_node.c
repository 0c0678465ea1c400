/* Real `dnasync node` processes: the remote-crash attack is survived, and --persist keeps values
 * across a restart. Every process is stopped by its PID (SIGTERM, then waitpid). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_internal.h"
#include "dht_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tu_attack(const char *target, int *signed_ok, int *unsigned_ok);

static test_clock_t clk;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t count_values(const char *addr, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    dht_storage_context_t *c = tu_ctx(addr, &clk.env);
    tu_wait_peers(c, 1);
    dht_raw_value_t *raw = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dht_get(c, key, &raw, &n), 0);
    dht_raw_values_free(raw, n);
    dht_storage_free(c);
    return n;
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 5);
    char *dir = test_tmpdir("dht-node");
    char persist[4096], log[4096];
    snprintf(persist, sizeof persist, "%s/state", dir);
    snprintf(log, sizeof log, "%s/node.log", dir);

    /* bad options */
    proc_result_t r;
    char *bad[] = {(char *)tu_node_exe(), "--port", "99999", NULL};
    CHECK_EQ_INT(proc_run(bad, NULL, 10, &r), 0);
    CHECK_EQ_INT(r.exit_code, 2);
    proc_result_free(&r);
    char *help[] = {(char *)tu_node_exe(), "--help", NULL};
    CHECK_EQ_INT(proc_run(help, NULL, 10, &r), 0);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "--persist") != NULL);
    proc_result_free(&r);

    fprintf(stderr, "-- node with --persist\n");
    char *args[] = {"--bind", "127.0.0.1", "--persist", persist, "-v", NULL};
    int port = 0;
    pid_t pid = tu_spawn_node(args, log, &port);
    CHECK(pid > 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);

    /* store a message through a client, then let the client go */
    uint8_t sk[32];
    tu_seed(sk, 1);
    uint8_t *msg;
    size_t len;
    tu_message(&msg, &len, 9, "alice", "bob", 256, clk.now_ms / 1000u, sk);
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dht_storage_context_t *c = tu_ctx(addr, &clk.env);
    tu_wait_peers(c, 1);
    CHECK_EQ_INT(tu_put_value(c, msg, len, clk.now_ms / 1000u, key), 0);
    dht_storage_free(c);
    CHECK_EQ_INT(count_values(addr, key), 1);

    fprintf(stderr, "-- remote-crash attack\n");
    int signed_ok = -1, unsigned_ok = -1;
    CHECK_EQ_INT(tu_attack(addr, &signed_ok, &unsigned_ok), 0);
    fprintf(stderr, "attack: %d signed and %d unsigned puts reported ok\n", signed_ok, unsigned_ok);
    sleep_ms(500);
    CHECK_EQ_INT(kill(pid, 0), 0);            /* still alive */
    CHECK_EQ_INT(count_values(addr, key), 1); /* and still serving */

    fprintf(stderr, "-- restart with the same --persist\n");
    CHECK_EQ_INT(proc_stop(pid, 15), 0); /* clean exit 0 on SIGTERM */
    strcat(log, ".2");
    pid = tu_spawn_node(args, log, &port);
    CHECK(pid > 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    CHECK_EQ_INT(count_values(addr, key), 1);
    CHECK_EQ_INT(proc_stop(pid, 15), 0);

    free(msg);
    if (!getenv("KEEP"))
        test_rmtree(dir);
    free(dir);
    return 0;
}
