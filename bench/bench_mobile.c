/* Mobile profile over one simulated hour: a device (already in sync) on an injected clock
 * (tests/common/testenv.h) with SYNC_PROFILE_MOBILE; loop next = sync_tick(), move the clock to
 * next, until an hour has passed. Counts DHT requests and sync_wakeups.
 * usage: bench_mobile DIR TAG BOOT */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 4)
        bench_die("usage: bench_mobile DIR TAG BOOT");
    const char *dir = argv[1], *tag = argv[2], *boot = argv[3];
    test_clock_t clk;
    test_clock_init(&clk, dnasync_env_now(NULL), 4242);
    bench_home_init(dir, tag, tag);
    dnasync_home_t *h = bench_home_open(dir, tag, boot, "mobile", &clk.env);
    sync_context_t *s = dnasync_home_sync(h);
    sync_set_profile(s, SYNC_PROFILE_MOBILE);
    bench_wait_nodes(dnasync_home_dht(h), 3);
    if (sync_pass(s, NULL, NULL, NULL) != 0) /* in sync before the hour starts */
        bench_die("first pass: %s", sync_errmsg(s));
    uint64_t start = clk.now_ms, end = start + 3600u * 1000u, w0 = sync_wakeups(s);
    bench_counts_t a, b;
    bench_counts_now(&a);
    double c0 = bench_cpu();
    for (int i = 0; i < 100000 && clk.now_ms < end; i++) {
        uint64_t next = sync_tick(s);
        clk.now_ms = next > clk.now_ms ? next : clk.now_ms + 1000;
    }
    double cpu = bench_cpu() - c0;
    bench_counts_now(&b);
    bench_result("mobile_requests_per_hour", (double)bench_counts_requests(&a, &b));
    bench_result("mobile_wakeups_per_hour", (double)(sync_wakeups(s) - w0));
    bench_result("mobile_bytes_per_hour", (double)bench_counts_bytes(&a, &b));
    bench_result("mobile_cpu_ms_per_hour", cpu * 1000);
    dnasync_home_free(h);
    return 0;
}
