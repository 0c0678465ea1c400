/* The bench's loopback DHT: 5 OpenDHT nodes in this process, each bootstrapped to the first,
 * waiting (bounded) until every node knows every other. Writes "127.0.0.1:PORT" of the first
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
    char boot[32] = "";
    double t0 = bench_mono();
    for (size_t i = 0; i < NODES; i++) {
        dht_storage_config_t cfg;
        dht_storage_config_default(&cfg);
        cfg.max_store_size = 2048ll << 20; /* every bench value fits: nothing is evicted */
        const char *b[1] = {boot};
        if (i > 0) {
            cfg.bootstrap = b;
            cfg.n_bootstrap = 1;
        }
        if (dht_storage_init(&cfg, &nodes[i]) != 0)
            bench_die("node %zu: %s", i, dnasync_last_error());
        if (i == 0) {
            dht_storage_stats_t st;
            if (dht_storage_stats(nodes[0], &st) != 0)
                bench_die("stats");
            snprintf(boot, sizeof boot, "127.0.0.1:%u", st.port);
        }
    }
    size_t ready = 0;
    for (int round = 0; round < 400 && ready < NODES; round++) { /* at most 20 s */
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
            bench_mono() - t0, boot);
    char line[64];
    snprintf(line, sizeof line, "%s\n", boot);
    bench_write_file(argv[1], line);
    for (;;)
        pause();
}
