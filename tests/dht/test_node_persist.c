/* `dnasync node --persist` state is durable (issue 10 D8, issue 11): real node processes with
 * their state in a small tmpfs.
 *  - full disk: a stop on a full disk keeps the previous values.msgpack (and logs why), so a
 *    restart still serves every value saved before;
 *  - an unreadable values.msgpack at start is kept aside, never overwritten;
 *  - kill -9: values saved by the periodic save (--persist-interval) survive a SIGKILL.
 * Needs root (mount); skipped (77) otherwise. The mount is always removed (atexit), every node is
 * stopped by its PID. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_MSG 12

static test_clock_t clk;
static char g_mnt[4096];
static int g_mounted;
static pid_t g_pid = -1;
static uint8_t g_sk[32];
static const char *dir; /* logs (outside the tmpfs) */

/* The tmpfs, also when a CHECK fails (the node on it is killed by proc_spawn's own handler;
 * MNT_DETACH unmounts even if it still runs). */
static void cleanup(void)
{
    if (g_mounted && umount2(g_mnt, MNT_DETACH) != 0)
        fprintf(stderr, "cannot unmount %s: %s\n", g_mnt, strerror(errno));
    g_mounted = 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static dht_storage_context_t *client(int port)
{
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    dht_storage_context_t *c = tu_ctx(addr, &clk.env);
    tu_wait_peers(c, 1);
    return c;
}

/* Put messages first..first+n-1 through a client; keys[i] gets message i's recipient key. */
static void put_messages(int port, unsigned first, unsigned n,
                         uint8_t keys[][DNASYNC_DHT_KEY_BYTES])
{
    dht_storage_context_t *c = client(port);
    for (unsigned i = first; i < first + n; i++) {
        uint8_t *msg;
        size_t len;
        tu_message(&msg, &len, i, "alice", "bob", 1500, clk.now_ms / 1000u, g_sk);
        CHECK_EQ_INT(tu_put_value(c, msg, len, clk.now_ms / 1000u, keys[i]), 0);
        free(msg);
    }
    dht_storage_free(c);
}

/* How many of messages 0..n-1 the node at port serves (a fresh client asks it). */
static unsigned served(int port, unsigned n, uint8_t keys[][DNASYNC_DHT_KEY_BYTES])
{
    dht_storage_context_t *c = client(port);
    unsigned found = 0;
    for (unsigned i = 0; i < n; i++) {
        dht_raw_value_t *raw = NULL;
        size_t cnt = 0;
        if (dht_get(c, keys[i], &raw, &cnt) == 0 && cnt > 0)
            found++;
        dht_raw_values_free(raw, cnt);
    }
    dht_storage_free(c);
    return found;
}

static pid_t start(const char *persist, const char *interval, const char *log, int *port)
{
    char *args[] = {"--bind",         "127.0.0.1", "--persist",
                    (char *)persist,  "-v",        interval ? "--persist-interval" : NULL,
                    (char *)interval, NULL};
    g_pid = tu_spawn_node(args, log, port);
    CHECK(g_pid > 0);
    return g_pid;
}

static int stop(void)
{
    int rc = proc_stop(g_pid, 20);
    g_pid = -1;
    return rc;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Fill the file system of dir until a write fails with ENOSPC (bounded). */
static void fill_disk(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    static char chunk[4096];
    int full = 0;
    for (int i = 0; i < 100000 && !full; i++)
        if (write(fd, chunk, sizeof chunk) < 0)
            full = errno == ENOSPC;
    /* fill the last partial page too */
    for (int i = 0; i < 4096 && write(fd, chunk, 1) == 1; i++)
        ;
    close(fd);
    CHECK(full);
}

static char *slurp(const char *path)
{
    char *s = proc_wait_for_text(path, "", 1);
    CHECK(s != NULL);
    return s;
}

static void test_full_disk(void)
{
    static uint8_t keys[2 * N_MSG][DNASYNC_DHT_KEY_BYTES];
    char persist[4200], values[4300], filler[4200], log[4200];
    snprintf(persist, sizeof persist, "%s/state", g_mnt);
    snprintf(values, sizeof values, "%s/values.msgpack", persist);
    snprintf(filler, sizeof filler, "%s/filler", g_mnt);
    snprintf(log, sizeof log, "%s/full1.log", dir);
    int port = 0;

    start(persist, NULL, log, &port);
    put_messages(port, 0, N_MSG, keys);
    CHECK_EQ_INT(stop(), 0);
    long saved = file_size(values);
    fprintf(stderr, "saved %ld bytes\n", saved);
    CHECK(saved > 0);
    char *before = slurp(values);

    snprintf(log, sizeof log, "%s/full2.log", dir);
    start(persist, NULL, log, &port);
    CHECK_EQ_INT(served(port, N_MSG, keys), N_MSG);
    put_messages(port, N_MSG, N_MSG, keys); /* the next export is larger than the saved one */
    fill_disk(filler);
    CHECK_EQ_INT(stop(), 0);
    long after = file_size(values);
    fprintf(stderr, "after a stop on a full disk: %ld bytes\n", after);
    char *now = slurp(values); /* the previous export, byte for byte */
    CHECK(after == saved && memcmp(now, before, (size_t)saved) == 0);
    free(now);
    free(before);
    CHECK_EQ_INT(unlink(filler), 0);

    char log3[4200];
    snprintf(log3, sizeof log3, "%s/full3.log", dir);
    start(persist, NULL, log3, &port);
    unsigned n = served(port, N_MSG, keys);
    fprintf(stderr, "served after restart: %u of %d saved before the full disk\n", n, N_MSG);
    CHECK_EQ_INT(n, N_MSG);
    CHECK_EQ_INT(stop(), 0);
    char *text = slurp(log); /* the failed save was logged */
    CHECK(strstr(text, "ERROR") != NULL && strstr(text, "values.msgpack") != NULL);
    free(text);
}

static void test_unreadable(void)
{
    char persist[4200], values[4300], state[4300], log[4200];
    snprintf(persist, sizeof persist, "%s/bad", g_mnt);
    snprintf(values, sizeof values, "%s/values.msgpack", persist);
    snprintf(state, sizeof state, "%s/dht.state", persist);
    snprintf(log, sizeof log, "%s/bad.log", dir);
    CHECK_EQ_INT(mkdir(persist, 0700), 0);
    const char junk[] = "\xdc\xff\xff not msgpack";
    FILE *f = fopen(values, "wb");
    CHECK(f && fwrite(junk, 1, sizeof junk, f) == sizeof junk && fclose(f) == 0);
    f = fopen(state, "wb"); /* OpenDHT's own file, emptied: kept aside too */
    CHECK(f && fclose(f) == 0);
    int port = 0;
    start(persist, NULL, log, &port);
    CHECK_EQ_INT(stop(), 0);
    /* the junk is still somewhere in the directory, byte for byte */
    DIR *d = opendir(persist);
    CHECK(d != NULL);
    int kept = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[4600];
        snprintf(p, sizeof p, "%s/%s", persist, e->d_name);
        FILE *g = fopen(p, "rb");
        char buf[64] = "";
        size_t r = g ? fread(buf, 1, sizeof buf, g) : 0;
        if (g)
            fclose(g);
        if (r == sizeof junk && memcmp(buf, junk, sizeof junk) == 0) {
            fprintf(stderr, "kept aside as %s\n", e->d_name);
            kept = 1;
        }
    }
    closedir(d);
    CHECK(kept);
    char *text = slurp(log);
    CHECK(strstr(text, "values.msgpack is unreadable") != NULL);
    CHECK(strstr(text, "dht.state is unreadable (empty file)") != NULL);
    free(text);
}

static void test_kill9(void)
{
    static uint8_t keys[N_MSG][DNASYNC_DHT_KEY_BYTES];
    char persist[4200], values[4300], log[4200];
    snprintf(persist, sizeof persist, "%s/k9", g_mnt);
    snprintf(values, sizeof values, "%s/values.msgpack", persist);
    snprintf(log, sizeof log, "%s/k9.log", dir);
    int port = 0;
    start(persist, "1", log, &port);
    put_messages(port, 0, N_MSG, keys);
    /* wait (bounded) for a periodic save that holds the values: the file grows past a few KB */
    long sz = -1;
    for (int i = 0; i < 200 && (sz = file_size(values)) < (long)N_MSG * 1500; i++)
        sleep_ms(100);
    sleep_ms(1500); /* one more period: the save that saw every put is complete */
    fprintf(stderr, "periodic save: %ld bytes\n", file_size(values));
    CHECK(sz >= (long)N_MSG * 1500);
    CHECK_EQ_INT(kill(g_pid, SIGKILL), 0);
    int status = 0;
    CHECK_EQ_INT(waitpid(g_pid, &status, 0), g_pid);
    g_pid = -1;
    snprintf(log, sizeof log, "%s/k9b.log", dir);
    start(persist, "1", log, &port);
    CHECK_EQ_INT(served(port, N_MSG, keys), N_MSG);
    CHECK_EQ_INT(stop(), 0);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "SKIP: needs root to mount a tmpfs\n");
        return 77;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 7);
    tu_seed(g_sk, 3);
    char *tmp = test_tmpdir("node-persist");
    dir = tmp;
    snprintf(g_mnt, sizeof g_mnt, "%s/mnt", dir);
    CHECK_EQ_INT(mkdir(g_mnt, 0700), 0);
    if (mount("tmpfs", g_mnt, "tmpfs", 0, "size=512k,mode=0700") != 0) {
        fprintf(stderr, "SKIP: cannot mount a tmpfs: %s\n", strerror(errno));
        test_rmtree(tmp);
        return 77;
    }
    g_mounted = 1;
    atexit(cleanup);

    const char *only = getenv("ONLY"); /* ONLY=test_kill9 runs one part */
    if (!only || strcmp(only, "test_full_disk") == 0)
        RUN(test_full_disk);
    if (!only || strcmp(only, "test_unreadable") == 0)
        RUN(test_unreadable);
    if (!only || strcmp(only, "test_kill9") == 0)
        RUN(test_kill9);

    cleanup();
    if (!getenv("KEEP"))
        test_rmtree(tmp);
    free(tmp);
    return 0;
}
