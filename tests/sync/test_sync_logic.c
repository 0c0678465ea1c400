/* The engine's logic on the in-memory transport, no network: what one pass asks for (summaries
 * only when nothing changed, one listing and only the missing ids when one value is new),
 * tombstones and receipts arriving before their message or on a later day, and a catch-up over
 * days that really pass (the store's clock and the devices' clocks move forward together, so
 * values expire as on the DHT). Counts come from a test transport wrapped around the store. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "fault_net.h"
#include "sync/sync_cache_add.h"
#include "sync_testnet.h"

#include <stdio.h>
#include <string.h>

static tnet_t net;
static tdev_t desk, mob;
static fault_net_t seen; /* mob's view of the store, counted */

static const uint64_t day_s = DNASYNC_DAY_S;

static void advance(uint64_t seconds)
{
    test_clock_advance(&net.clock, seconds);
    test_clock_advance(&desk.clock, seconds);
    test_clock_advance(&mob.clock, seconds);
}

static int is_read(tdev_t *d, const char *id)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(sync_get_message(d->sync, id, &m), 0);
    int read = strcmp(m.status, "read") == 0;
    message_info_clear(&m);
    return read;
}

static void verified_all(tdev_t *d)
{
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(d->sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
}

/* Summary comparison: once a device holds everything, a pass reads summaries and nothing else. */
static void test_idle_pass_reads_summaries_only(void)
{
    char id[3][65];
    for (int i = 0; i < 3; i++)
        tdev_send(&desk, "alice", "note", id[i]);
    size_t down = 0;
    fault_net_counts_t before = fault_net_counts(&seen);
    tdev_sync(&mob, NULL, &down, NULL);
    fault_net_counts_t after = fault_net_counts(&seen);
    CHECK_EQ_INT(down, 3);
    CHECK(after.lists - before.lists >= 1 && after.lists - before.lists <= 3); /* shards */
    CHECK_EQ_INT(after.ids_asked - before.ids_asked, 3);
    verified_all(&mob);

    before = after;
    tdev_sync(&mob, NULL, &down, NULL);
    after = fault_net_counts(&seen);
    CHECK_EQ_INT(down, 0);
    CHECK_EQ_INT(after.lists - before.lists, 0);
    CHECK_EQ_INT(after.get_ids - before.get_ids, 0);
    CHECK(after.gets - before.gets >= 1 && after.gets - before.gets <= 2); /* today, yesterday */
    verified_all(&mob);
}

/* Shard diff: one new value among many is found by one listing and fetched alone. */
static void test_one_new_value_one_listing(void)
{
    char id[65];
    for (int i = 0; i < 40; i++)
        tdev_send(&desk, "alice", "bulk", id);
    tdev_sync(&mob, NULL, NULL, NULL);
    tdev_send(&desk, "alice", "the new one", id);
    size_t down = 0;
    fault_net_counts_t before = fault_net_counts(&seen);
    tdev_sync(&mob, NULL, &down, NULL);
    fault_net_counts_t after = fault_net_counts(&seen);
    CHECK_EQ_INT(down, 1);
    CHECK(tdev_has(&mob, id));
    CHECK_EQ_INT(after.lists - before.lists, 1);
    CHECK_EQ_INT(after.ids_asked - before.ids_asked, 1);
    verified_all(&mob);
}

/* A tombstone that goes out before its message: the message arrives deleted. */
static void test_tombstone_before_message(void)
{
    char id[65];
    size_t down = 0, del = 0;
    CHECK_EQ_INT(sync_cache_add_text(desk.sync, "alice", "alice", "secret", 0, false, id), 0);
    CHECK_EQ_INT(sync_delete_message(desk.sync, id), 0); /* uploads the tombstone at once */
    tdev_sync(&mob, NULL, &down, &del);
    CHECK_EQ_INT(down, 0);
    CHECK_EQ_INT(del, 1);
    tdev_sync(&desk, NULL, NULL, NULL); /* the message itself */
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 1);
    message_info_t m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(sync_get_message(mob.sync, id, &m), 0);
    CHECK(m.deleted);
    message_info_clear(&m);
    verified_all(&mob);
}

/* A deletion on a later day lands in that day's bucket, not the message's. */
static void test_tombstone_on_later_day(void)
{
    char id[65];
    size_t del = 0;
    tdev_send(&desk, "alice", "delete me tomorrow", id);
    tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(tdev_has(&mob, id));
    advance(day_s);
    CHECK_EQ_INT(sync_delete_message(desk.sync, id), 0);
    tdev_sync(&mob, NULL, NULL, &del);
    CHECK_EQ_INT(del, 1);
    CHECK(!tdev_has(&mob, id));
    verified_all(&mob);
}

/* A shared receipt that arrives before its message is applied when the message comes. */
static void test_receipt_before_message(void)
{
    char id[65];
    CHECK_EQ_INT(sync_cache_add_text(desk.sync, "alice", "alice", "read early", 0, false, id), 0);
    CHECK_EQ_INT(sync_set_share_read_receipts(desk.sync, true), 0);
    CHECK_EQ_INT(sync_mark_read(desk.sync, id), 0); /* the receipt goes out at once */
    tdev_sync(&mob, NULL, NULL, NULL);
    message_info_t m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(sync_get_message(mob.sync, id, &m), DNASYNC_ENOTFOUND);
    tdev_sync(&desk, NULL, NULL, NULL); /* the message itself */
    tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(tdev_has(&mob, id));
    CHECK(is_read(&mob, id));
    CHECK_EQ_INT(sync_set_share_read_receipts(desk.sync, false), 0);
    verified_all(&mob);
}

/* mob goes offline for 35 days while desk writes on days 6, 12 and 27: it comes back with all
 * three; what desk wrote before it left has expired from the store meanwhile (30 days) and is
 * still in mob's cache; every day of the window is proven complete. */
static void test_catch_up_over_days(void)
{
    char early[65], ids[3][65];
    tdev_send(&desk, "alice", "before the trip", early);
    tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(tdev_has(&mob, early));
    tdev_close(&mob);
    const int days[3] = {6, 12, 27};
    int at = 0;
    for (int i = 0; i < 3; i++) {
        advance((uint64_t)(days[i] - at) * day_s);
        at = days[i];
        char text[32];
        snprintf(text, sizeof text, "day %d", days[i]);
        tdev_send(&desk, "alice", text, ids[i]);
    }
    advance((uint64_t)(35 - at) * day_s);
    /* expired from the store: no message value is left at its key (a tombstone of an earlier
     * test may be, when its message fell in the same shard: tombstones live 60 days) */
    dnasync_net_value_t *left = NULL;
    size_t n_left = 0, n_msgs = 0;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    CHECK_EQ_INT(dht_key_box(key, "alice",
                             (int64_t)((net.clock.now_ms / 1000 - 35 * day_s) / day_s),
                             (int)dht_shard_of(early)),
                 0);
    char err[DNASYNC_NET_ERR_MAX];
    CHECK_EQ_INT(net.mem->ops->get(net.mem, key, &left, &n_left, err), 0);
    for (size_t i = 0; i < n_left; i++) {
        dht_value_t v;
        memset(&v, 0, sizeof v);
        CHECK_EQ_INT(dht_value_decode(left[i].data, left[i].len, &v), 0);
        n_msgs += v.kind == DHT_KIND_MESSAGE || v.kind == DHT_KIND_BUNDLE_MESSAGE;
        dht_value_clear(&v);
    }
    CHECK_EQ_INT(n_msgs, 0);
    dnasync_net_values_free(left, n_left);

    tdev_open(&mob, &net);
    size_t down = 0;
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 3);
    for (int i = 0; i < 3; i++)
        CHECK(tdev_has(&mob, ids[i]));
    CHECK(tdev_has(&mob, early));
    verified_all(&mob);
}

int main(void)
{
    tnet_start_memory(&net);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    tdev_link(&mob, &desk, &net, "alice-mobile", 1);
    /* every clock at the store's second */
    desk.clock.now_ms = mob.clock.now_ms = net.clock.now_ms;
    fault_net_init(&seen, net.mem);
    mob.via = &seen.base;
    tdev_open(&desk, &net);
    tdev_open(&mob, &net);
    RUN(test_idle_pass_reads_summaries_only);
    RUN(test_one_new_value_one_listing);
    RUN(test_tombstone_before_message);
    RUN(test_tombstone_on_later_day);
    RUN(test_receipt_before_message);
    RUN(test_catch_up_over_days);
    tdev_close(&desk);
    tdev_close(&mob);
    fault_net_destroy(&seen);
    tnet_free(&net);
    return 0;
}
