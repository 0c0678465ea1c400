/* Initial sync of a mailbox to a brand-new device, three ways:
 *   dnasync  link a new device NEW of SRC's identity (untimed), open it, time one sync_pass
 *   floor    keys read raw: per shard of the upload day one id listing, then the values by id
 *            in chunks of 16 (the engine's request pattern, no checks, no cache). When
 *            bench_upload left <DIR>/SRC.floor (the one-message-per-value upload of the same
 *            round), that layout is the floor (download_floor_*) and SRC's own bundled values
 *            read the same way are download_floor_bundled_*; otherwise SRC's layout is the floor
 *   naive    one dht_get per message key msg/SRC/<id> (the naive layout of bench_upload)
 * Every mode reports wire requests and CPU per message, and what the read cost: id listings,
 * gets (of which whole-key reads) and signature checks. BENCH_STARVE=1 runs the mode limited to
 * half of one core (a cgroup CPU quota, else taskset + a competing busy loop; issue 14 item 5)
 * and reports it as download_<mode>_starved_* and download_starve_method.
 * usage: bench_download dnasync DIR NEW SRC BOOT | floor DIR SRC BOOT | naive DIR SRC BOOT */
#define _GNU_SOURCE /* sched_setaffinity */
#include "bench_common.h"

#include "dht/dht_keys.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16 /* src/sync/sync_context.h SYNC_FETCH_CHUNK */

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

static const char *suffix = ""; /* "_starved" under BENCH_STARVE */

static void report(const char *mode, size_t n, double secs, double cpu, const bench_counts_t *a,
                   const bench_counts_t *b)
{
    char k[96], m[64];
    snprintf(m, sizeof m, "%s%s", mode, suffix);
    mode = m;
    snprintf(k, sizeof k, "download_%s_cpu_per_msg_us", mode);
    bench_result(k, n ? 1e6 * cpu / (double)n : 0);
    snprintf(k, sizeof k, "download_%s_wire_per_msg", mode);
    bench_result(k, n ? (double)(b->wire - a->wire) / (double)n : 0);
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
    snprintf(k, sizeof k, "download_%s_lists", mode);
    bench_result(k, (double)(b->lists - a->lists));
    snprintf(k, sizeof k, "download_%s_gets", mode);
    bench_result(k, (double)(b->gets - a->gets));
    snprintf(k, sizeof k, "download_%s_whole_gets", mode);
    bench_result(k, (double)(b->gets_whole - a->gets_whole));
    snprintf(k, sizeof k, "download_%s_verifies", mode);
    bench_result(k, (double)(b->verifies - a->verifies));
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

/* BENCH_STARVE=1: this process limited to half of one core (issue 14 item 5), set up before
 * any thread starts so every thread of the device's node shares the limit. A CPU quota where
 * the kernel offers one (cgroup v2 cpu.max, else cgroup v1 cpu.cfs_quota_us, root only); else
 * this process and a busy-looping child pinned to CPU 0. */
#define STARVE_PERIOD_US 100000
#define STARVE_QUOTA_US 50000
static char starve_dir[128]; /* the cgroup made for this run ("": none) */
static char starve_back[96]; /* the cgroup.procs that takes this process back */
static pid_t starve_busy;    /* the busy child of the fallback (0: none) */
static int starve_method;    /* 1 cgroup v2, 2 cgroup v1, 3 taskset + busy child */

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A fresh cgroup under root, its quota_file set to quota, this process moved into it. */
static int starve_cgroup(const char *root, const char *quota_file, const char *quota)
{
    char path[256], pid[32];
    snprintf(starve_dir, sizeof starve_dir, "%s/dnasync-bench-%ld", root, (long)getpid());
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (mkdir(starve_dir, 0755) != 0) {
        starve_dir[0] = '\0';
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", starve_dir, quota_file);
    int rc = write_text(path, quota);
    snprintf(path, sizeof path, "%s/cgroup.procs", starve_dir);
    if (rc == 0)
        rc = write_text(path, pid);
    if (rc != 0) {
        rmdir(starve_dir);
        starve_dir[0] = '\0';
        return -1;
    }
    snprintf(starve_back, sizeof starve_back, "%s/cgroup.procs", root);
    return 0;
}

/* Undo the limit (atexit: also after bench_die). The process goes back to the root cgroup
 * first: a cgroup with a member cannot be removed. */
static void starve_end(void)
{
    if (starve_dir[0]) {
        char pid[32];
        snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (write_text(starve_back, pid) != 0 || rmdir(starve_dir) != 0)
            fprintf(stderr, "bench_download: could not remove %s\n", starve_dir);
        starve_dir[0] = '\0';
    }
    if (starve_busy > 0) {
        kill(starve_busy, SIGKILL);
        waitpid(starve_busy, NULL, 0);
        starve_busy = 0;
    }
}

static void starve(void)
{
    const char *e = getenv("BENCH_STARVE");
    if (!e || strcmp(e, "1") != 0)
        return;
    suffix = "_starved";
    atexit(starve_end);
    char q[64];
    snprintf(q, sizeof q, "%d %d\n", STARVE_QUOTA_US, STARVE_PERIOD_US);
    char *ctl = bench_read_file("/sys/fs/cgroup/cgroup.controllers");
    int v2 = ctl && strstr(ctl, "cpu") != NULL;
    free(ctl);
    if (v2) /* the root's children get the cpu controller only once it is enabled there */
        (void)write_text("/sys/fs/cgroup/cgroup.subtree_control", "+cpu\n");
    if (v2 && starve_cgroup("/sys/fs/cgroup", "cpu.max", q) == 0) {
        starve_method = 1;
        return;
    }
    snprintf(q, sizeof q, "%d\n", STARVE_QUOTA_US);
    if (access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", W_OK) == 0 &&
        starve_cgroup("/sys/fs/cgroup/cpu", "cpu.cfs_quota_us", q) == 0) {
        starve_method = 2;
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        bench_die("sched_setaffinity: cannot pin to CPU 0");
    pid_t parent = getpid(), pid = fork();
    if (pid < 0)
        bench_die("fork failed");
    if (pid == 0) { /* bounded: until the parent is gone or 900 s */
        time_t end = time(NULL) + 900;
        volatile unsigned long x = 0;
        while (getppid() == parent && time(NULL) < end)
            for (int i = 0; i < 1000000; i++)
                x += (unsigned long)i;
        _exit(0);
    }
    starve_busy = pid;
    starve_method = 3;
}

/* Raw read of one layout, the engine's request pattern; returns the values received. */
static size_t read_layout(dht_storage_context_t *dht, const char *tag, int64_t day)
{
    size_t got = 0;
    for (int shard = 0; shard < DNASYNC_DHT_SHARDS; shard++) {
        uint8_t key[DNASYNC_DHT_KEY_BYTES];
        dht_key_box(key, tag, day, shard);
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
    return got;
}

/* Messages uploaded under tag (lines of <dir>/<tag>.ids), 0 when unknown. */
static size_t count_ids(const char *dir, const char *tag)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.ids", dir, tag);
    char *s = bench_read_file(path);
    size_t n = 0;
    for (char *p = s; p && *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static int run_mode(int argc, char **argv);

int main(int argc, char **argv)
{
    starve();
    int rc = run_mode(argc, argv);
    if (starve_method)
        bench_result("download_starve_method", starve_method);
    starve_end();
    return rc;
}

static int run_mode(int argc, char **argv)
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
        char k[96];
        snprintf(k, sizeof k, "download_dnasync%s_progress_events", suffix);
        bench_result(k, (double)progress_events);
        snprintf(k, sizeof k, "download_dnasync%s_first_progress_s", suffix);
        bench_result(k, first_progress_s);
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
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.floor", dir, src);
        char *one = bench_read_file(path); /* the one-message-per-value upload of this round */
        if (one) {
            one[strcspn(one, "\n")] = '\0';
            size_t bundled = read_layout(dht, src, read_day(dir, src));
            double secs = bench_mono() - t0, cpu = bench_cpu() - c0;
            bench_counts_now(&b);
            /* per message: the bundles carry as many messages as the floor upload put */
            report("floor_bundled", count_ids(dir, one), secs, cpu, &a, &b);
            bench_result("download_floor_bundled_values", (double)bundled);
            bench_counts_now(&a);
            c0 = bench_cpu();
            t0 = bench_mono();
            got = read_layout(dht, one, read_day(dir, one));
            free(one);
        } else {
            got = read_layout(dht, src, read_day(dir, src));
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
