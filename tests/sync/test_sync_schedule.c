/* Strategies on an injected clock, no sleeping: the periodic timer (300 s ± jitter by default,
 * configurable), a mobile device's wake-ups per simulated hour, and the profile chosen at run
 * time. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync_testnet.h"

int main(void)
{
    tnet_t net;
    tdev_t mob;
    tnet_start_memory(&net);
    tdev_init(&mob, &net, "alice-mobile", "alice", 1);
    tdev_open(&mob, &net);
    CHECK_EQ_INT(sync_set_profile(mob.sync, SYNC_PROFILE_MOBILE), 0);
    CHECK(sync_set_interval(mob.sync, 0, 0) != 0);     /* refused: no interval */
    CHECK(sync_set_interval(mob.sync, 300, 300) != 0); /* refused: jitter >= interval */

    /* Default: every 300 s with up to 30 s of jitter either way. */
    uint64_t start = mob.clock.now_ms, first = sync_tick(mob.sync);
    CHECK(first >= start + 270000 && first <= start + 330000);
    uint64_t hour_end = start + 3600000, ticks_before = sync_wakeups(mob.sync);
    for (int i = 0; i < 100 && mob.clock.now_ms < hour_end; i++) {
        uint64_t next = sync_tick(mob.sync);
        CHECK(next > mob.clock.now_ms);
        CHECK(next - mob.clock.now_ms >= 270000 || mob.clock.now_ms == start);
        mob.clock.now_ms = next; /* jump straight to the next wake-up */
    }
    uint64_t wakeups = sync_wakeups(mob.sync) - ticks_before;
    fprintf(stderr, "mobile: %llu wake-ups in a simulated hour\n", (unsigned long long)wakeups);
    CHECK(wakeups >= 11 && wakeups <= 14); /* 3600 / (300 ± 30) */
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK(!st.realtime_enabled);

    /* Configurable: every 60 s ± 5 s. */
    CHECK_EQ_INT(sync_set_interval(mob.sync, 60, 5), 0);
    sync_tick(mob.sync); /* due: runs, then schedules with the new interval */
    uint64_t now = mob.clock.now_ms, next = sync_tick(mob.sync);
    CHECK(next >= now + 55000 && next <= now + 65000);
    tdev_close(&mob);
    tnet_free(&net);
    return 0;
}
