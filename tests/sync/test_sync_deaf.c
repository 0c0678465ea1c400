/* A real-time device whose listen stops hearing without a word (OpenDHT 2.4 ends a listen's
 * search silently once all its nodes stopped answering; bench notes, 13c) must not stay deaf
 * until its periodic pass: within SYNC_LISTEN_CHECK_S it notices, listens again and reads what
 * it missed. A test transport silences bob's listen; time is bob's test clock. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "fault_net.h"
#include "sync/sync_context.h"
#include "sync/sync_scheduler.h"
#include "sync_testnet.h"

#include <time.h>

static void pause_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

int main(void)
{
    tnet_t net;
    tdev_t alice, bob;
    tnet_start_memory(&net);
    tdev_init(&alice, &net, "alice", "alice", 1);
    tdev_init(&bob, &net, "bob", "bob", 1);
    fault_net_t deaf;
    fault_net_init(&deaf, net.mem);
    bob.via = &deaf.base;
    tdev_open(&alice, &net);
    tdev_open(&bob, &net);
    CHECK_EQ_INT(sync_enable_realtime(bob.sync), 0);
    for (int i = 0; i < 200 && sync_wakeups(bob.sync) == 0; i++)
        pause_ms(50); /* the background thread's first pass */
    CHECK(sync_wakeups(bob.sync) > 0);

    char id[65];
    tdev_send(&alice, "bob", "heard live", id);
    for (int i = 0; i < 200 && !tdev_has(&bob, id); i++)
        pause_ms(50);
    CHECK(tdev_has(&bob, id)); /* the listen works */

    fault_net_deafen(&deaf);
    tdev_send(&alice, "bob", "while deaf", id);
    pause_ms(300);
    CHECK(!tdev_has(&bob, id)); /* the doorbell was lost: nothing woke bob */
    /* Half a minute later by bob's clock, far from his periodic pass (300 s +- 30 s). */
    test_clock_advance(&bob.clock, SYNC_LISTEN_CHECK_S + 1);
    sync_tick(bob.sync);
    CHECK(tdev_has(&bob, id));
    CHECK_EQ_INT(deaf.listen_calls, 2); /* listened again */

    tdev_send(&alice, "bob", "heard again", id); /* through the new listen */
    for (int i = 0; i < 200 && !tdev_has(&bob, id); i++)
        pause_ms(50);
    CHECK(tdev_has(&bob, id));

    tdev_close(&bob);
    tdev_close(&alice);
    fault_net_destroy(&deaf);
    tnet_free(&net);
    return 0;
}
