/* Initial sync of a mailbox to a brand-new device, three ways:
 *   dnasync  link a new device NEW of SRC's identity (untimed), open it, time one sync_pass
 *   floor    the same keys read raw: per shard of SRC's upload day one id listing, then the
 *            values by id in chunks of 16 (the engine's request pattern, no checks, no cache)
 *   naive    one dht_get per message key msg/SRC/<id> (the naive layout of bench_upload)
 * usage: bench_download dnasync DIR NEW SRC BOOT | floor DIR SRC BOOT | naive DIR SRC BOOT */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "dnasync/dht_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16 /* src/sync/sync_internal.h SYNC_FETCH_CHUNK */

static size_t progress_events, last_done, last_total;
static double first_progress_s, t_start;

static void on_event(void *user, const sync_event_t *ev)
{
    (void)user;
    if (ev->kind != SYNC_EVENT_PROGRESS)
        return;
    if (progress_events++ == 0)
        first_progress_s = bench_mono() - t_start;
    last_done = ev->done;
    last_total = ev->total;
}

static void report(const char *mode, size_t n, double secs, double cpu, const bench_counts_t *a,
                   const bench_counts_t *b)
{
    char k[96];
    snprintf(k, sizeof k, "download_%s_s", mode);
    bench_result(k, secs);
    snprintf(k, sizeof k, "download_%s_msgs", mode);
    bench_result(k, (double)n);
    snprintf(k, sizeof k, "download_%s_msgs_per_s", mode);
    bench_result(k, (double)n / secs);
    snprintf(k, sizeof k, "download_%s_cpu_s", mode);
    bench_result(k, cpu);
    snprintf(k, sizeof k, "download_%s_requests", mode);
    bench_result(k, (double)bench_counts_requests(a, b));
    snprintf(k, sizeof k, "download_%s_wire", mode);
    bench_result(k, (double)(b->wire - a->wire));
    snprintf(k, sizeof k, "download_%s_bytes", mode);
    bench_result(k, (double)bench_counts_bytes(a, b));
    snprintf(k, sizeof k, "download_%s_rss_kb", mode);
    bench_result(k, (double)bench_maxrss_kb());
}

static int64_t read_day(const char *dir, const char *src)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.day", dir, src);
    char *s = bench_read_file(path);
    if (!s)
        bench_die("no %s", path);
    else {
        int64_t d = strtoll(s, NULL, 10);
        free(s);
        return d;
    }
}

int main(int argc, char **argv)
{
    if (argc < 5)
        bench_die("usage: bench_download dnasync DIR NEW SRC BOOT | floor|naive DIR SRC BOOT");
    const char *mode = argv[1], *dir = argv[2];
    bench_counts_t a, b;
    if (strcmp(mode, "dnasync") == 0) {
        if (argc < 6)
            bench_die("dnasync needs DIR NEW SRC BOOT");
        const char *tag = argv[3], *src = argv[4], *boot = argv[5];
        bench_home_link(dir, tag, src);
        dnasync_home_t *h = bench_home_open(dir, tag, boot, NULL, NULL);
        sync_context_t *s = dnasync_home_sync(h);
        bench_wait_nodes(dnasync_home_dht(h), 3);
        bench_counts_track(dnasync_home_dht(h));
        sync_set_event_callback(s, on_event, NULL);
        size_t down = 0;
        bench_counts_now(&a);
        double c0 = bench_cpu();
        t_start = bench_mono();
        int rc = sync_pass(s, NULL, &down, NULL);
        double secs = bench_mono() - t_start, cpu = bench_cpu() - c0;
        bench_counts_now(&b);
        if (rc != 0)
            fprintf(stderr, "bench_download: sync_pass: %s\n", sync_errmsg(s));
        report(mode, down, secs, cpu, &a, &b);
        bench_result("download_dnasync_progress_events", (double)progress_events);
        bench_result("download_dnasync_first_progress_s", first_progress_s);
        printf("PROGRESS %zu/%zu after %zu events\n", last_done, last_total, progress_events);
        dnasync_home_free(h);
        return rc == 0 ? 0 : 1;
    }
    const char *src = argv[3], *boot = argv[4];
    dht_storage_context_t *dht = bench_dht_open(boot);
    bench_wait_nodes(dht, 3);
    bench_counts_track(dht);
    size_t got = 0;
    bench_counts_now(&a);
    double c0 = bench_cpu(), t0 = bench_mono();
    if (strcmp(mode, "floor") == 0) {
        int64_t day = read_day(dir, src);
        for (int shard = 0; shard < DNASYNC_DHT_SHARDS; shard++) {
            uint8_t key[DNASYNC_DHT_KEY_BYTES];
            dht_key_box(key, src, day, shard);
            uint64_t *ids = NULL;
            size_t n = 0;
            if (dht_list_ids(dht, key, &ids, &n) != 0)
                fprintf(stderr, "list shard %d: %s\n", shard, dht_storage_errmsg(dht));
            for (size_t i = 0; i < n; i += CHUNK) {
                size_t k = n - i < CHUNK ? n - i : CHUNK;
                dht_raw_value_t *v = NULL;
                size_t c = 0;
                if (dht_get_by_ids(dht, key, ids + i, k, &v, &c) == 0)
                    got += c;
                dht_raw_values_free(v, c);
            }
            free(ids);
        }
    } else if (strcmp(mode, "naive") == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.ids", dir, src);
        char *ids = bench_read_file(path);
        if (!ids)
            bench_die("no %s", path);
        for (char *line = strtok(ids, "\n"); line; line = strtok(NULL, "\n")) {
            char name[DNASYNC_DHT_KEYNAME_MAX + 64];
            uint8_t key[DNASYNC_DHT_KEY_BYTES];
            snprintf(name, sizeof name, "dnasync/1/msg/%s/%s", src, line);
            dht_key_hash(name, key);
            dht_raw_value_t *v = NULL;
            size_t c = 0;
            if (dht_get(dht, key, &v, &c) == 0)
                got += c;
            dht_raw_values_free(v, c);
        }
        free(ids);
    } else {
        bench_die("unknown mode %s", mode);
    }
    double secs = bench_mono() - t0, cpu = bench_cpu() - c0;
    bench_counts_now(&b);
    report(mode, got, secs, cpu, &a, &b);
    dht_storage_free(dht);
    return 0;
}
