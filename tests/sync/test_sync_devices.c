/* Alice's desktop and mobile and Bob, each a real home with its own DHT node, on a loopback DHT
 * of three nodes: messages, sent copies, idempotence, deletions (also while offline and before
 * the message arrives), offline catch-up over days, same text at the same second, real time. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync/sync_cache_add.h"
#include "sync_testnet.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static tnet_t net;
static tdev_t desk, mob, bob;

static void test_message_reaches_all_devices(void)
{
    char id[65], buf[4096];
    size_t up = 0, down = 0, del = 0;
    tdev_sync(&bob, NULL, NULL, NULL); /* publishes bob's identity record */
    tdev_send(&desk, "bob", "Hi Bob, dinner at 8?", id);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(desk.sync, &st), 0);
    CHECK_EQ_INT(st.pending_uploads, 0); /* confirmed by the DHT, then marked */

    tdev_sync(&mob, &up, &down, &del);
    CHECK_EQ_INT(down, 1); /* the sent copy reaches Alice's other device */
    CHECK_EQ_INT(tdev_inbox(&mob, buf, sizeof buf), 1);
    CHECK_EQ_STR(buf, "Hi Bob, dinner at 8?");
    tdev_sync(&bob, &up, &down, &del);
    CHECK_EQ_INT(down, 1);
    CHECK(tdev_has(&bob, id));
    CHECK_EQ_INT(tdev_inbox(&bob, buf, sizeof buf), 1);
    CHECK_EQ_STR(buf, "Hi Bob, dinner at 8?");

    /* idempotent: nothing new the second time, still one row */
    tdev_sync(&mob, &up, &down, &del);
    CHECK_EQ_INT(down, 0);
    CHECK_EQ_INT(tdev_inbox(&mob, NULL, 0), 1);
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
}

static void test_delete_follows(void)
{
    char id[65];
    size_t del = 0;
    tdev_send(&desk, "bob", "typo", id);
    tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(tdev_has(&mob, id));
    CHECK_EQ_INT(sync_delete_message(desk.sync, id), 0);
    CHECK(!tdev_has(&desk, id));
    tdev_sync(&mob, NULL, NULL, &del);
    CHECK_EQ_INT(del, 1);
    CHECK(!tdev_has(&mob, id));
    /* Bob keeps his copy: a deletion is for the owner's devices. */
    tdev_sync(&bob, NULL, NULL, NULL);
    CHECK(tdev_has(&bob, id));
    /* Deleting a message that is not there is a clear error. */
    CHECK(sync_delete_message(
              desk.sync, "ff00000000000000000000000000000000000000000000000000000000000000") != 0);
    CHECK(strstr(sync_errmsg(desk.sync), "no message"));
}

static void test_tombstone_before_message(void)
{
    /* The desktop writes a message it cannot upload yet (cache only) and deletes it at once:
     * the tombstone goes out first, the message later. */
    char id[65];
    size_t del = 0, down = 0;
    CHECK_EQ_INT(sync_cache_add_text(desk.sync, "alice", "alice", "secret", 0, false, id), 0);
    CHECK_EQ_INT(sync_delete_message(desk.sync, id), 0);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(desk.sync, &st), 0);
    CHECK_EQ_INT(st.pending_tombstones, 0);
    CHECK_EQ_INT(st.pending_uploads, 1);
    tdev_sync(&mob, NULL, &down, &del);
    CHECK_EQ_INT(del, 1); /* tombstone applied to a message this device never saw */
    CHECK_EQ_INT(down, 0);
    tdev_sync(&desk, NULL, NULL, NULL); /* now the message itself goes up */
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 1);
    CHECK(!tdev_has(&mob, id)); /* arrived after its tombstone: stays deleted */
    message_info_t m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(sync_get_message(mob.sync, id, &m), 0);
    CHECK(m.deleted);
    message_info_clear(&m);
}

static void test_same_text_same_second(void)
{
    char a[65], b[65];
    /* both devices' clocks at the same second */
    desk.clock.now_ms = mob.clock.now_ms = (desk.clock.now_ms / 1000) * 1000;
    tdev_send(&desk, "bob", "Hello", a);
    tdev_send(&mob, "bob", "Hello", b);
    CHECK(strcmp(a, b) != 0);
    size_t down = 0;
    tdev_sync(&bob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 2);
    CHECK(tdev_has(&bob, a) && tdev_has(&bob, b));
}

/* Both of Alice's devices delete one message in the same second: two tombstones by the same key
 * with the same deleted_at. Each device counts its own in its summary, so they must be two
 * values (the writer is part of a tombstone's id), or the day could never be proven complete. */
static void test_same_second_deletion(void)
{
    char id[65];
    tdev_send(&desk, "bob", "delete me twice", id);
    tdev_sync_until(&mob, id);
    desk.clock.now_ms = mob.clock.now_ms = (desk.clock.now_ms / 1000) * 1000;
    CHECK_EQ_INT(sync_delete_message(desk.sync, id), 0);
    CHECK_EQ_INT(sync_delete_message(mob.sync, id), 0);
    tdev_sync(&desk, NULL, NULL, NULL);
    tdev_sync(&mob, NULL, NULL, NULL);
    sync_status_t st = {0};
    for (int i = 0; i < 20; i++) { /* bounded: the other device's values may lag a little */
        tdev_sync(&desk, NULL, NULL, NULL);
        tdev_sync(&mob, NULL, NULL, NULL);
        sync_status_t sd;
        CHECK_EQ_INT(sync_get_status(desk.sync, &sd), 0);
        CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
        if (sd.verified_days == sd.window_days && st.verified_days == st.window_days)
            break;
    }
    CHECK_EQ_INT(st.verified_days, st.window_days);
    CHECK(!tdev_has(&desk, id) && !tdev_has(&mob, id));
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

/* Two sends back to back edit bob's summary of alice's mailbox twice within milliseconds. A node
 * that missed the second edit used to hide it from a device whose reads that node answered
 * first (tests/dht/test_dht_editions.c); both of alice's devices must get both messages. */
static void test_back_to_back(void)
{
    char a[65], b[65];
    tdev_send(&bob, "alice", "first of two", a);
    tdev_send(&bob, "alice", "second of two", b);
    tdev_sync_until(&desk, a);
    tdev_sync_until(&desk, b);
    tdev_sync_until(&mob, a);
    tdev_sync_until(&mob, b);
}

static void test_read_receipts(void)
{
    char a[65], b[65];
    tdev_send(&desk, "alice", "one", a); /* notes to self: on the desktop, unread */
    tdev_send(&desk, "alice", "two", b);
    tdev_sync_until(&mob, a);
    tdev_sync_until(&mob, b);
    /* by default a receipt stays on the device that read */
    CHECK_EQ_INT(sync_mark_read(desk.sync, a), 0);
    CHECK(is_read(&desk, a));
    tdev_sync(&desk, NULL, NULL, NULL);
    tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(!is_read(&mob, a));
    /* shared: the other device marks it read too */
    CHECK_EQ_INT(sync_set_share_read_receipts(desk.sync, true), 0);
    CHECK_EQ_INT(sync_mark_read(desk.sync, b), 0);
    for (int i = 0; i < 20 && !is_read(&mob, b); i++) /* bounded: the receipt may lag */
        tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(is_read(&mob, b));
    CHECK(!is_read(&mob, a));
    CHECK_EQ_INT(sync_set_share_read_receipts(desk.sync, false), 0);
}

static void test_offline_catch_up(void)
{
    /* A tablet of Alice's syncs 29 days ago and goes offline; over those 29 days the desktop
     * sends and deletes; the tablet comes back today and catches up the whole window. */
    const uint64_t day_ms = DNASYNC_DAY_S * 1000ull;
    tdev_t tab;
    tdev_link(&tab, &desk, &net, "alice-tablet", 1);
    uint64_t now_ms = tab.clock.now_ms, desk_ms = desk.clock.now_ms;
    tab.clock.now_ms = now_ms - 29 * day_ms;
    tdev_open(&tab, &net);
    tdev_sync(&tab, NULL, NULL, NULL);
    tdev_close(&tab);

    char ids[4][65];
    desk.clock.now_ms = now_ms - 29 * day_ms;
    for (int d = 0; d < 4; d++) {
        char text[32];
        snprintf(text, sizeof text, "day %d", d * 9);
        tdev_send(&desk, "alice", text, ids[d]);
        if (d == 3)
            CHECK_EQ_INT(sync_delete_message(desk.sync, ids[1]), 0);
        desk.clock.now_ms += 9 * day_ms; /* days 0, 9, 18, 27 of the 29 */
    }
    desk.clock.now_ms = desk_ms;

    tab.clock.now_ms = now_ms;
    tdev_open(&tab, &net);
    size_t down = 0, del = 0;
    tdev_sync(&tab, NULL, &down, &del);
    CHECK(down >= 4); /* the four above, plus the earlier tests' messages in the window */
    CHECK(del >= 1);
    CHECK(tdev_has(&tab, ids[0]));
    CHECK(!tdev_has(&tab, ids[1]));
    CHECK(tdev_has(&tab, ids[2]));
    CHECK(tdev_has(&tab, ids[3]));
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(tab.sync, &st), 0);
    sync_day_status_t *days = NULL;
    size_t nd = 0;
    CHECK_EQ_INT(sync_get_days(tab.sync, &days, &nd), 0);
    for (size_t i = 0; i < nd; i++)
        if (!days[i].verified)
            fprintf(stderr, "tablet: day %lld not verified: %s\n", (long long)days[i].day,
                    days[i].problem);
    free(days);
    CHECK_EQ_INT(st.verified_days, st.window_days);
    tdev_close(&tab);
}

/* The ids the background thread reported, the last EVENTS_MAX of each kind (not just the last
 * one): the catch-up pass may still be reporting older messages when a pushed one arrives. */
#define EVENTS_MAX 256
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char arrived[EVENTS_MAX][65], deleted[EVENTS_MAX][65];
static size_t n_arrived, n_deleted;
static void on_event(void *user, const sync_event_t *ev)
{
    (void)user;
    pthread_mutex_lock(&ev_mu);
    if (ev->kind == SYNC_EVENT_MESSAGE)
        snprintf(arrived[n_arrived++ % EVENTS_MAX], 65, "%s", ev->message_id);
    else if (ev->kind == SYNC_EVENT_DELETED)
        snprintf(deleted[n_deleted++ % EVENTS_MAX], 65, "%s", ev->message_id);
    pthread_mutex_unlock(&ev_mu);
}

/* Waits (bounded, 10 s) until the id was reported in list; 1 if it was. */
static int wait_event(char (*list)[65], const size_t *n, const char *id)
{
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&ev_mu);
        int seen = 0;
        for (size_t k = 0; k < *n && k < EVENTS_MAX && !seen; k++)
            seen = strcmp(list[k], id) == 0;
        pthread_mutex_unlock(&ev_mu);
        if (seen)
            return 1;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    return 0;
}

static void test_realtime(void)
{
    /* Real time needs the real clock: a fresh device of Alice's on it. */
    tdev_t web;
    tdev_link(&web, &desk, &net, "alice-web", 0);
    tdev_open(&web, &net);
    sync_set_event_callback(web.sync, on_event, NULL);
    CHECK_EQ_INT(sync_enable_realtime(web.sync), 0);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(web.sync, &st), 0);
    CHECK(st.realtime_enabled);
    /* wait (bounded) for the first background pass to finish catching up */
    for (int i = 0; i < 200 && tdev_inbox(&web, NULL, 0) == 0; i++)
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    char id[65];
    tdev_send(&bob, "alice", "live", id); /* bob's clock is still today; the desktop's is not */
    CHECK(wait_event(arrived, &n_arrived, id)); /* pushed, without calling sync */
    CHECK(tdev_has(&web, id));
    /* a deletion on another of Alice's devices is pushed too */
    char own[65];
    tdev_t web2;
    tdev_link(&web2, &desk, &net, "alice-web2", 0);
    tdev_open(&web2, &net);
    tdev_sync(&web2, NULL, NULL, NULL);
    CHECK(tdev_has(&web2, id));
    tdev_send(&web2, "alice", "note to self", own);
    CHECK(wait_event(arrived, &n_arrived, own));
    CHECK_EQ_INT(sync_delete_message(web2.sync, id), 0);
    CHECK(wait_event(deleted, &n_deleted, id));
    CHECK(!tdev_has(&web, id));
    tdev_close(&web2);
    CHECK_EQ_INT(sync_disable_realtime(web.sync), 0);
    tdev_close(&web);
}

int main(void)
{
    tnet_start(&net, 3, 0);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    tdev_link(&mob, &desk, &net, "alice-mobile", 1);
    tdev_init(&bob, &net, "bob", "bob", 1);
    tdev_open(&desk, &net);
    tdev_open(&mob, &net);
    tdev_open(&bob, &net);
    RUN(test_message_reaches_all_devices);
    RUN(test_delete_follows);
    RUN(test_tombstone_before_message);
    RUN(test_same_text_same_second);
    RUN(test_back_to_back);
    RUN(test_same_second_deletion);
    RUN(test_read_receipts);
    RUN(test_offline_catch_up);
    RUN(test_realtime);
    tdev_close(&desk);
    tdev_close(&mob);
    tdev_close(&bob);
    tnet_free(&net);
    return 0;
}
