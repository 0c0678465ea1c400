/* A pass re-reads every writer's summary of the day; one whose bytes were verified before is
 * not verified again (bench notes, 13c: a receiver with 101 writers spent a quarter of each
 * pass's CPU on Ed25519 verifies of unchanged summaries). Counted by wrapping
 * dnasync_sign_verify; a changed summary is still verified, and what arrives is checked. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync_testnet.h"
#include "verify_count.h"

#include <stdint.h>
#include <stdio.h>

static tnet_t net;
static tdev_t alice, carol, bob;

/* Signature checks of one pass of bob's. */
static uint64_t pass_verifies(void)
{
    uint64_t before = verify_count();
    tdev_sync(&bob, NULL, NULL, NULL);
    return verify_count() - before;
}

static void test_unchanged_not_reverified(void)
{
    char a[65], c[65];
    tdev_send(&alice, "bob", "from alice", a);
    tdev_send(&carol, "bob", "from carol", c);
    tdev_sync_until(&bob, a);
    tdev_sync_until(&bob, c);
    CHECK(tdev_has(&bob, a) && tdev_has(&bob, c));
    uint64_t first = pass_verifies();
    uint64_t again = pass_verifies();
    fprintf(stderr, "signature checks of bob's passes with nothing new: %llu, then %llu\n",
            (unsigned long long)first, (unsigned long long)again);
    CHECK_EQ_INT(first, 0);
    CHECK_EQ_INT(again, 0);
    /* a changed summary (alice's next message) is verified, with the message itself */
    char a2[65];
    tdev_send(&alice, "bob", "alice again", a2);
    uint64_t before = verify_count();
    tdev_sync_until(&bob, a2);
    CHECK(tdev_has(&bob, a2));
    CHECK(verify_count() - before >= 2);
}

int main(void)
{
    tnet_start_memory(&net);
    tdev_init(&alice, &net, "alice-desktop", "alice", 1);
    tdev_init(&carol, &net, "carol-desktop", "carol", 1);
    tdev_init(&bob, &net, "bob-desktop", "bob", 1);
    alice.clock.now_ms = carol.clock.now_ms = bob.clock.now_ms = net.clock.now_ms;
    tdev_open(&alice, &net);
    tdev_open(&carol, &net);
    tdev_open(&bob, &net);
    tdev_sync(&bob, NULL, NULL, NULL); /* publish their identities first */
    tdev_sync(&alice, NULL, NULL, NULL);
    tdev_sync(&carol, NULL, NULL, NULL);
    RUN(test_unchanged_not_reverified);
    tdev_close(&alice);
    tdev_close(&carol);
    tdev_close(&bob);
    tnet_free(&net);
    return 0;
}
