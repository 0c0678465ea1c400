/* The bench's loopback DHT: 5 OpenDHT nodes in this process, each bootstrapped to every earlier
 * one, waiting (bounded) until every node knows every other. Writes "127.0.0.1:PORT" of the first
 * node to argv[1] once ready, then serves until killed (by PID, from scripts/bench.sh) or for at
 * most argv[2] seconds (default 900). */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NODES 5

int main(int argc, char **argv)
{
    if (argc < 2)
        bench_die("usage: bench_net READY_FILE [MAX_SECONDS]");
    unsigned max_s = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 900;
    alarm(max_s);
    dht_storage_context_t *nodes[NODES] = {0};
    char addr[NODES][32];
    const char *boot[NODES];
    double t0 = bench_mono();
    for (size_t i = 0; i < NODES; i++) {
        dht_storage_config_t cfg;
        dht_storage_config_default(&cfg);
        cfg.max_store_size = 2048ll << 20; /* every bench value fits: nothing is evicted */
        /* Every earlier node, as an operator lists them: bootstrapped to the first alone, 1-2
         * of 5 nodes knew all others after 23 s at load 13 (bench notes, 2026-12-02). */
        cfg.bootstrap = boot;
        cfg.n_bootstrap = i;
        if (dht_storage_init(&cfg, &nodes[i]) != 0)
            bench_die("node %zu: %s", i, dnasync_last_error());
        dht_storage_stats_t st;
        if (dht_storage_stats(nodes[i], &st) != 0)
            bench_die("stats");
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%u", st.port);
        boot[i] = addr[i];
    }
    size_t ready = 0;
    /* Bounded, and generous for a loaded machine; a busy phase later gains nothing from a
     * network that is not whole yet. */
    for (int round = 0; round < 2400 && ready < NODES; round++) { /* at most 120 s */
        ready = 0;
        for (size_t i = 0; i < NODES; i++) {
            dht_storage_stats_t st;
            if (dht_storage_stats(nodes[i], &st) == 0 && st.nodes >= NODES - 1)
                ready++;
        }
        if (ready < NODES)
            bench_sleep_ms(50);
    }
    fprintf(stderr, "bench_net: %zu of %d nodes know all others after %.1f s (%s)\n", ready, NODES,
            bench_mono() - t0, addr[0]);
    char line[64];
    snprintf(line, sizeof line, "%s\n", addr[0]);
    bench_write_file(argv[1], line);
    for (;;)
        pause();
}
