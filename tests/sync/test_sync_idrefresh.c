/* A pass's put of this identity's record, which runs on a thread of its own while the pass
 * uploads and reads (docs/sync.md "The identity record's put no longer comes first"): a failed
 * put fails the pass with its reason and is put again by the next pass; a confirmed one is not
 * put again for a week; a confirmation mark another process changed meanwhile (its bootstrap
 * nodes changed: publish again) is not overwritten. Real homes, cache and crypto on the
 * in-memory store, through a test transport that fails or watches the record's puts. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_codec.h"
#include "fault_net.h"
#include "sync/sync_identity.h"
#include "sync_testnet.h"

#include <string.h>

typedef struct world {
    tnet_t net;
    tdev_t desk, mob;
    fault_net_t f;
    int puts;           /* identity record puts seen (under f.mu) */
    bool forget_on_put; /* the next record put: another process forgets the mark meanwhile */
    char id[65];        /* a note the desktop sent before the phone's first pass */
} world_t;

/* What `dnasync bootstrap add` does from another process while the phone's pass runs: opens
 * the home without the network and forgets the record's confirmation. */
static void forget_elsewhere(tdev_t *d)
{
    dnasync_home_options_t opt = {.env = &d->clock.env};
    dnasync_home_t *h = NULL;
    char err[512];
    CHECK_EQ_INT(dnasync_home_open(d->home, &opt, &h, err, sizeof err), 0);
    CHECK_EQ_INT(sync_identity_forget_published(dnasync_home_sync(h)), 0);
    dnasync_home_free(h);
}

static void on_put(void *user, const dnasync_net_put_t *item)
{
    world_t *w = user;
    if (item->kind != DHT_KIND_IDENTITY)
        return;
    pthread_mutex_lock(&w->f.mu);
    w->puts++;
    bool forget = w->forget_on_put;
    w->forget_on_put = false;
    pthread_mutex_unlock(&w->f.mu);
    if (forget)
        forget_elsewhere(&w->mob);
}

static int puts_seen(world_t *w)
{
    pthread_mutex_lock(&w->f.mu);
    int n = w->puts;
    pthread_mutex_unlock(&w->f.mu);
    return n;
}

/* alice's desktop with a note sent; her linked phone open through the watching transport, its
 * record never confirmed from this device. */
static void world_start(world_t *w)
{
    memset(w, 0, sizeof *w);
    tnet_start_memory(&w->net);
    tdev_init(&w->desk, &w->net, "alice-desktop", "alice", 1);
    tdev_link(&w->mob, &w->desk, &w->net, "alice-mobile", 1);
    w->mob.clock.now_ms = w->desk.clock.now_ms;
    tdev_open(&w->desk, &w->net);
    tdev_send(&w->desk, "alice", "before the phone's first pass", w->id);
    fault_net_init(&w->f, w->net.mem);
    w->f.on_put = on_put;
    w->f.on_put_user = w;
    w->mob.via = &w->f.base;
    tdev_open(&w->mob, &w->net);
}

static void world_end(world_t *w)
{
    tdev_close(&w->mob);
    tdev_close(&w->desk);
    fault_net_destroy(&w->f);
    tnet_free(&w->net);
}

/* The put fails: the pass reports it (the transport's reason), the catch-up beside it is done,
 * and the next pass puts the record again. */
static void test_put_fails(void)
{
    world_t w;
    world_start(&w);
    w.f.fail_kind = DHT_KIND_IDENTITY;
    size_t down = 0;
    CHECK_EQ_INT(sync_pass(w.mob.sync, NULL, &down, NULL), DNASYNC_ETIMEOUT);
    CHECK(strstr(sync_errmsg(w.mob.sync), "test: no node answered the put") != NULL);
    CHECK_EQ_INT(puts_seen(&w), 1);
    CHECK(tdev_has(&w.mob, w.id)); /* before: a failed put ended the pass before any read */
    pthread_mutex_lock(&w.f.mu);
    w.f.fail_kind = 0;
    pthread_mutex_unlock(&w.f.mu);
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 2);
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 2);
    world_end(&w);
}

/* A confirmed record is put again once a week has passed, not before. */
static void test_weekly(void)
{
    world_t w;
    world_start(&w);
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 1);
    w.mob.clock.now_ms += 7ull * DNASYNC_DAY_S * 1000 - 60000;
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 1);
    w.mob.clock.now_ms += 120000;
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 2);
    world_end(&w);
}

/* Another process forgets the mark while the put is under way: the pass must not record its
 * put over that, so the next pass publishes again (before: it did, and the record waited a
 * week for the new network). */
static void test_forget_meanwhile(void)
{
    world_t w;
    world_start(&w);
    w.forget_on_put = true;
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 1);
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 2);
    tdev_sync(&w.mob, NULL, NULL, NULL);
    CHECK_EQ_INT(puts_seen(&w), 2);
    world_end(&w);
}

/* argv[1], when given, runs one test: fails, weekly or forget. */
int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    if (!only || strcmp(only, "fails") == 0)
        test_put_fails();
    if (!only || strcmp(only, "weekly") == 0)
        test_weekly();
    if (!only || strcmp(only, "forget") == 0)
        test_forget_meanwhile();
    return 0;
}
