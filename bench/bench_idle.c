/* Idle cycle: a device already in sync runs sync_pass with nothing new. After one warm-up pass,
 * K passes are measured one by one: DHT requests and payload bytes (counted at the adapter),
 * process CPU (CLOCK_PROCESS_CPUTIME_ID, every thread incl. OpenDHT's) and wall time.
 * usage: bench_idle DIR TAG K BOOT */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 5)
        bench_die("usage: bench_idle DIR TAG K BOOT");
    const char *dir = argv[1], *tag = argv[2], *boot = argv[4];
    size_t k = strtoul(argv[3], NULL, 10);
    dnasync_home_t *h = bench_home_open(dir, tag, boot, NULL, NULL);
    sync_context_t *s = dnasync_home_sync(h);
    bench_wait_nodes(dnasync_home_dht(h), 3);
    size_t down = 0, up = 0;
    if (sync_pass(s, &up, &down, NULL) != 0)
        bench_die("warm-up pass: %s", sync_errmsg(s));
    fprintf(stderr, "bench_idle: warm-up pass uploaded %zu, downloaded %zu\n", up, down);
    for (size_t i = 0; i < k; i++) {
        bench_counts_t a, b;
        bench_counts_now(&a);
        double c0 = bench_cpu(), t0 = bench_mono();
        int rc = sync_pass(s, &up, &down, NULL);
        double wall = bench_mono() - t0, cpu = bench_cpu() - c0;
        bench_counts_now(&b);
        if (rc != 0 || up || down)
            fprintf(stderr, "bench_idle: pass %zu: rc %d up %zu down %zu\n", i, rc, up, down);
        bench_result("idle_requests", (double)bench_counts_requests(&a, &b));
        bench_result("idle_gets", (double)(b.gets - a.gets));
        bench_result("idle_lists", (double)(b.lists - a.lists));
        bench_result("idle_puts", (double)(b.puts - a.puts));
        bench_result("idle_bytes", (double)bench_counts_bytes(&a, &b));
        bench_result("idle_cpu_ms", cpu * 1000);
        bench_result("idle_wall_ms", wall * 1000);
    }
    dnasync_home_free(h);
    return 0;
}
