/* The daemon's readiness (ready.h). */
#define _POSIX_C_SOURCE 200809L
#include "daemon/ready.h"

#include "daemon/log.h"
#include "dht/dht_warm.h"

#include <stdatomic.h>
#include <time.h>

#define POLL_MS 100

static _Atomic int64_t ready_ms = -1;
static dht_warm_t warm_up; /* outlives the DHT node: its searches end on the DHT thread */

bool daemon_is_ready(uint64_t *ms)
{
    int64_t v = atomic_load(&ready_ms);
    if (ms)
        *ms = v < 0 ? 0 : (uint64_t)v;
    return v >= 0;
}

int daemon_get_ready(dnasync_home_t *home, server_t *srv, const sigset_t *stop, uint64_t start_ms)
{
    dht_storage_context_t *dht = dnasync_home_dht(home); /* NULL through a gateway */
    sync_context_t *sync = dnasync_home_sync(home);
    uint64_t w0 = dnasync_env_now_ms(NULL);
    if (dht)
        dht_warm_start(dht, &warm_up);
    bool passed = false;
    int warm = dht ? 0 : 1;
    dht_warm_state_t st = {0, 0};
    /* bounded by DAEMON_WARM_BOUND_MS (and the first pass, which the stop waits for anyway) */
    for (;;) {
        /* the background thread's first tick is the first pass; this waits while it runs */
        passed = passed || sync_wakeups(sync) >= 1;
        if (warm != 1)
            warm = dht_warm_done(dht, &warm_up, &st);
        if ((passed && warm == 1) || dnasync_env_now_ms(NULL) - w0 >= DAEMON_WARM_BOUND_MS)
            break;
        struct timespec ts = {0, POLL_MS * 1000000L};
        int sig = sigtimedwait(stop, NULL, &ts);
        if (sig > 0)
            return sig;
    }
    uint64_t ms = dnasync_env_now_ms(NULL) - start_ms;
    atomic_store(&ready_ms, (int64_t)ms);
    server_notify(srv, "ready", json_pack("{s:I}", "ready_ms", (json_int_t)ms));
    if (!dht)
        dlog(DLOG_INFO, "ready: after %llu ms (first pass done; no DHT node of its own)",
             (unsigned long long)ms);
    else
        dlog(DLOG_INFO,
             "ready: after %llu ms (first pass %s; routing table %s: %u nodes answered, %u "
             "unanswered; %d of %d warm-up searches ended)",
             (unsigned long long)ms, passed ? "done" : "not done",
             warm == 1 ? "warm" : "warm-up bound reached", st.answered, st.unanswered,
             atomic_load(&warm_up.ended), atomic_load(&warm_up.started));
    return 0;
}
