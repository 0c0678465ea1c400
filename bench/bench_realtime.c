/* Real-time latency: device B (same identity, linked) runs sync_enable_realtime; device A sends
 * to its own identity with sync_send; the figure is the time from the send call to B's
 * SYNC_EVENT_MESSAGE for that id. One message at a time, each wait bounded by 10 s.
 * usage: bench_realtime DIR TAG N BOOT   (prints one RESULT line per message) */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
/* The last events seen by B (the id is only known once sync_send returns, and B may already
 * have reported it by then). */
#define RING 64
static struct {
    char id[65];
    double at;
} ring[RING];
static size_t ring_n;

static void on_event(void *user, const sync_event_t *ev)
{
    (void)user;
    if (ev->kind != SYNC_EVENT_MESSAGE || !ev->message_id)
        return;
    double now = bench_mono();
    pthread_mutex_lock(&mu);
    snprintf(ring[ring_n % RING].id, 65, "%s", ev->message_id);
    ring[ring_n % RING].at = now;
    ring_n++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Caller holds mu. */
static double seen_locked(const char *id)
{
    for (size_t i = 0; i < RING && i < ring_n; i++)
        if (strcmp(ring[i].id, id) == 0)
            return ring[i].at;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        bench_die("usage: bench_realtime DIR TAG N BOOT");
    const char *dir = argv[1], *tag = argv[2], *boot = argv[4];
    size_t n = strtoul(argv[3], NULL, 10);
    char ta[64], tb[64];
    snprintf(ta, sizeof ta, "%s-a", tag);
    snprintf(tb, sizeof tb, "%s-b", tag);
    bench_home_init(dir, ta, tag);
    bench_home_link(dir, tb, ta);
    dnasync_home_t *ha = bench_home_open(dir, ta, boot, "desktop", NULL);
    dnasync_home_t *hb = bench_home_open(dir, tb, boot, "desktop", NULL);
    sync_context_t *a = dnasync_home_sync(ha), *b = dnasync_home_sync(hb);
    bench_wait_nodes(dnasync_home_dht(ha), 3);
    bench_wait_nodes(dnasync_home_dht(hb), 3);
    sync_set_event_callback(b, on_event, NULL);
    if (sync_enable_realtime(b) != 0)
        bench_die("realtime: %s", sync_errmsg(b));
    bench_sleep_ms(500); /* let B's first periodic pass run */
    size_t timeouts = 0;
    for (size_t i = 0; i < n; i++) {
        char text[BENCH_BODY + 1], id[65];
        bench_text(text, i);
        double t0 = bench_mono();
        int rc = sync_send(a, tag, (const uint8_t *)text, BENCH_BODY, id);
        double t_sent = bench_mono();
        if (rc != 0)
            bench_die("send: %s", sync_errmsg(a));
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 10;
        pthread_mutex_lock(&mu);
        double seen;
        while ((seen = seen_locked(id)) == 0 && pthread_cond_timedwait(&cv, &mu, &dl) == 0) {
        }
        pthread_mutex_unlock(&mu);
        if (seen == 0) {
            message_info_t m2;
            memset(&m2, 0, sizeof m2);
            int there = sync_get_message(b, id, &m2) == 0;
            message_info_clear(&m2);
            fprintf(stderr,
                    "bench_realtime: message %zu: no event in 10 s (in B's cache: %s, "
                    "B wake-ups %llu)\n",
                    i, there ? "yes" : "no", (unsigned long long)sync_wakeups(b));
            timeouts++;
            continue;
        }
        bench_result("realtime_latency_ms", (seen - t0) * 1000);
        bench_result("realtime_send_call_ms", (t_sent - t0) * 1000);
    }
    bench_result("realtime_timeouts", (double)timeouts);
    dnasync_home_free(hb);
    dnasync_home_free(ha);
    return 0;
}
