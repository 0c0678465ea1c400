/* Upload of N messages (1 KiB bodies) from one device, three ways under the same pacing
 * (dht_put_batch calls of 1,000 items, as the engine's SYNC_PUT_GROUP: it reads pending rows
 * 100 at a time and puts up to 1,000 of them in one reliable batch):
 *   prep     create the home TAG (identity TAG) and N pending messages (sync_cache_add_text)
 *   dnasync  open that home online and time sync_upload_pending (bundled values, format 2)
 *   floor    one message per value (format 1, same sizes) put raw into box/TAG/<day>/<shard>
 *            keys: the layout before bundles; writes <DIR>/<last dnasync TAG>.floor = TAG so
 *            bench_download floor reads this one-message-per-value layout as the floor
 *   naive    the same values, one key per message (msg/TAG/<message id>)
 * Every mode also reports wire requests and CPU per message.
 * usage: bench_upload MODE DIR TAG N [BOOT] */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "dht/dht_keys.h"
#include "sync/sync_cache_add.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 1000

static void report(const char *mode, size_t n, double secs, double cpu, const bench_counts_t *a,
                   const bench_counts_t *b)
{
    char k[96];
    snprintf(k, sizeof k, "upload_%s_cpu_s", mode);
    bench_result(k, cpu);
    snprintf(k, sizeof k, "upload_%s_cpu_per_msg_us", mode);
    bench_result(k, n ? 1e6 * cpu / (double)n : 0);
    snprintf(k, sizeof k, "upload_%s_wire_per_msg", mode);
    bench_result(k, n ? (double)(b->wire - a->wire) / (double)n : 0);
    snprintf(k, sizeof k, "upload_%s_s", mode);
    bench_result(k, secs);
    snprintf(k, sizeof k, "upload_%s_msgs_per_s", mode);
    bench_result(k, (double)n / secs);
    snprintf(k, sizeof k, "upload_%s_requests", mode);
    bench_result(k, (double)bench_counts_requests(a, b));
    snprintf(k, sizeof k, "upload_%s_wire", mode);
    bench_result(k, (double)(b->wire - a->wire));
    snprintf(k, sizeof k, "upload_%s_puts", mode);
    bench_result(k, (double)(b->puts - a->puts));
    snprintf(k, sizeof k, "upload_%s_value_bytes", mode);
    bench_result(k, b->puts > a->puts
                        ? (double)(b->put_bytes - a->put_bytes) / (double)(b->puts - a->puts)
                        : 0);
    snprintf(k, sizeof k, "upload_%s_rss_kb", mode);
    bench_result(k, (double)bench_maxrss_kb());
}

static void raw_upload(const char *mode, const char *dir, const char *tag, size_t n,
                       const char *boot)
{
    int naive = strcmp(mode, "naive") == 0;
    dht_storage_context_t *dht = bench_dht_open(boot);
    bench_wait_nodes(dht, 3);
    bench_counts_track(dht);
    uint64_t now = dnasync_env_now(NULL);
    int64_t day = dht_upload_day(now);
    bench_value_t *v = bench_make_values(tag, n, now);
    dht_put_item_t *items = calloc(n, sizeof *items);
    if (!items)
        bench_die("out of memory");
    size_t ids_len = n * 65 + 1, off = 0;
    char *ids = malloc(ids_len);
    if (!ids)
        bench_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (naive) {
            char name[DNASYNC_DHT_KEYNAME_MAX + 64];
            snprintf(name, sizeof name, "dnasync/1/msg/%s/%s", tag, v[i].message_id);
            dht_key_hash(name, items[i].key);
        } else {
            dht_key_box(items[i].key, tag, day, dht_shard_of(v[i].message_id));
        }
        items[i].value = v[i].data;
        items[i].len = v[i].len;
        items[i].type = DNASYNC_DHT_TYPE_MESSAGE;
        items[i].id = v[i].vid;
        items[i].created = now;
        memcpy(ids + off, v[i].message_id, 64);
        ids[off + 64] = '\n';
        off += 65;
    }
    ids[off] = '\0';
    bench_counts_t a, b;
    bench_counts_now(&a);
    double c0 = bench_cpu(), t0 = bench_mono();
    size_t ok = 0;
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        int rc = dht_put_batch(dht, items + i, k);
        if (rc > 0)
            ok += (size_t)rc;
    }
    double t1 = bench_mono(), cpu = bench_cpu() - c0;
    bench_counts_now(&b);
    if (ok != n)
        fprintf(stderr, "bench_upload %s: %zu of %zu confirmed\n", mode, ok, n);
    report(mode, n, t1 - t0, cpu, &a, &b);
    char path[4096], line[64];
    snprintf(path, sizeof path, "%s/%s.day", dir, tag);
    snprintf(line, sizeof line, "%lld\n", (long long)day);
    bench_write_file(path, line);
    snprintf(path, sizeof path, "%s/%s.ids", dir, tag);
    bench_write_file(path, ids);
    /* the dnasync upload of this round reads its floor from here (bench_download floor) */
    snprintf(path, sizeof path, "%s/upload.last", dir);
    char *last = naive ? NULL : bench_read_file(path);
    if (last) {
        last[strcspn(last, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/%s.floor", dir, last);
        bench_write_file(path, tag);
        free(last);
    }
    free(ids);
    free(items);
    bench_free_values(v, n);
    dht_storage_free(dht);
}

int main(int argc, char **argv)
{
    if (argc < 5)
        bench_die("usage: bench_upload prep|dnasync|floor|naive DIR TAG N [BOOT]");
    const char *mode = argv[1], *dir = argv[2], *tag = argv[3], *boot = argc > 5 ? argv[5] : NULL;
    size_t n = strtoul(argv[4], NULL, 10);
    if (strcmp(mode, "prep") == 0) {
        bench_home_init(dir, tag, tag);
        dnasync_home_t *h = bench_home_open(dir, tag, NULL, NULL, NULL);
        sync_context_t *s = dnasync_home_sync(h);
        double t0 = bench_mono();
        for (size_t i = 0; i < n; i++) {
            char text[BENCH_BODY + 1], id[65];
            bench_text(text, i);
            if (sync_cache_add_text(s, tag, tag, text, 0, false, id) != 0)
                bench_die("add %zu: %s", i, sync_errmsg(s));
        }
        bench_result("prep_add_text_per_s", (double)n / (bench_mono() - t0));
        dnasync_home_free(h);
        return 0;
    }
    if (!boot)
        bench_die("%s needs BOOT", mode);
    if (strcmp(mode, "dnasync") == 0) {
        dnasync_home_t *h = bench_home_open(dir, tag, boot, NULL, NULL);
        sync_context_t *s = dnasync_home_sync(h);
        bench_wait_nodes(dnasync_home_dht(h), 3);
        bench_counts_track(dnasync_home_dht(h));
        bench_counts_t a, b;
        bench_counts_now(&a);
        double c0 = bench_cpu(), t0 = bench_mono();
        int up = sync_upload_pending(s);
        double t1 = bench_mono(), cpu = bench_cpu() - c0;
        bench_counts_now(&b);
        if (getenv("BENCH_TRACE")) /* the frame of the trace's put and listing lines */
            fprintf(stderr, "bench: upload pass from %.3f to %.3f: %.3f s\n", t0, t1, t1 - t0);
        if (up != (int)n)
            fprintf(stderr, "bench_upload dnasync: %d of %zu: %s\n", up, n, sync_errmsg(s));
        report(mode, n, t1 - t0, cpu, &a, &b);
        char path[4096], line[64];
        snprintf(path, sizeof path, "%s/%s.day", dir, tag);
        snprintf(line, sizeof line, "%lld\n", (long long)dht_upload_day(dnasync_env_now(NULL)));
        bench_write_file(path, line);
        snprintf(path, sizeof path, "%s/upload.last", dir);
        bench_write_file(path, tag);
        dnasync_home_free(h);
        return up == (int)n ? 0 : 1;
    }
    if (strcmp(mode, "floor") == 0 || strcmp(mode, "naive") == 0) {
        raw_upload(mode, dir, tag, n, boot);
        return 0;
    }
    bench_die("unknown mode %s", mode);
}
