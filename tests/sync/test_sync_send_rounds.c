/* A send's network steps, in rounds that wait on each other: the message into both mailboxes
 * (one batch), then the summaries of both mailboxes (one batch: they do not depend on each
 * other), then the doorbells (one best-effort call). Before, each mailbox's summary was put and
 * confirmed, and its bell rung, one mailbox after the other (BENCHMARKS.md, row 9: ~7 DHT round
 * trips in turn per daemon send). Counted on the in-memory store through a counting transport;
 * what arrives is checked too. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "fault_net.h"
#include "sync_testnet.h"

#include <stdio.h>
#include <string.h>

static tnet_t net;
static tdev_t alice, bob;
static fault_net_t seen; /* alice's view of the store, counted */

static void test_send_rounds(void)
{
    char id[65];
    fault_net_counts_t before = fault_net_counts(&seen);
    tdev_send(&alice, "bob", "hello", id);
    fault_net_counts_t after = fault_net_counts(&seen);
    uint64_t puts = after.put_calls - before.put_calls;
    uint64_t bells = after.bell_calls - before.bell_calls;
    fprintf(stderr, "send: %llu confirmed put calls, %llu bell calls, %llu values\n",
            (unsigned long long)puts, (unsigned long long)bells,
            (unsigned long long)(after.puts - before.puts));
    CHECK_EQ_INT(puts, 2);  /* the message into both mailboxes; both summaries */
    CHECK_EQ_INT(bells, 1); /* both doorbells */
    CHECK_EQ_INT(after.puts - before.puts, 6);
    tdev_sync_until(&bob, id);
    CHECK(tdev_has(&bob, id));
}

int main(void)
{
    tnet_start_memory(&net);
    tdev_init(&alice, &net, "alice-desktop", "alice", 1);
    tdev_init(&bob, &net, "bob-desktop", "bob", 1);
    alice.clock.now_ms = bob.clock.now_ms = net.clock.now_ms;
    fault_net_init(&seen, net.mem);
    alice.via = &seen.base;
    tdev_open(&alice, &net);
    tdev_open(&bob, &net);
    tdev_sync(&bob, NULL, NULL, NULL); /* publish their identities first */
    tdev_sync(&alice, NULL, NULL, NULL);
    RUN(test_send_rounds);
    tdev_close(&alice);
    tdev_close(&bob);
    fault_net_destroy(&seen);
    tnet_free(&net);
    return 0;
}
