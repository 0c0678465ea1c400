/* Issue 10 D1: a key is never chosen by a claimed time. A hostile plain OpenDHT peer serves an
 * identity record for "carol" signed by Mallory's key with created_at = 1, before carol publishes
 * hers (so it cannot shadow carol's on a storing node either). Bob's first message
 * to carol must not be sealed to Mallory: the send fails naming both claims, and bob chooses by
 * fingerprint ("carol#8af99795"), which pins carol's real key. A device that has not chosen
 * holds carol's messages (neither accepted nor refused) until it does. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/fingerprint.h"
#include "dht/dht.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "hostile_peer.h"
#include "sync/contacts.h"
#include "sync_testnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fp_of(const char *home, char hex[65])
{
    dnasync_identity_t *id = NULL;
    char err[256];
    uint8_t fp[32];
    CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_fingerprint(id->sign_pk, id->kem_ek, fp), 0);
    dnasync_fingerprint_hex(fp, hex);
    dnasync_identity_free(id);
}

/* Mallory's record for "carol": her own key, self-dated 1 (1970), served by the plain peer. */
static void squat(hostile_peer_t *hp, const char *mallory_home)
{
    dnasync_identity_t *mal = NULL;
    char err[256];
    CHECK_EQ_INT(dnasync_identity_load(mallory_home, &mal, err, sizeof err), 0);
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_IDENTITY;
    v.created_at = 1;
    v.name = "carol";
    memcpy(v.kem_pk, mal->kem_ek, DHT_KEM_PK_BYTES);
    CHECK_EQ_INT(dht_value_sign(&v, mal->sign_sk), 0);
    uint8_t *buf = NULL, key[DNASYNC_DHT_KEY_BYTES];
    size_t len = 0;
    CHECK_EQ_INT(dht_value_encode(&v, &buf, &len), 0);
    CHECK_EQ_INT(dht_key_id(key, "carol"), 0);
    CHECK_EQ_INT(hp_put(hp, key, DNASYNC_DHT_TYPE_IDENTITY, dht_value_id(&v), buf, len), 0);
    free(buf);
    dnasync_identity_free(mal);
}

/* Bounded wait until the network serves n distinct keys for "carol". */
static void wait_claims(tdev_t *d, size_t n)
{
    for (int i = 0; i < 100; i++) {
        sync_claim_t *c = NULL;
        size_t k = 0;
        int rc = sync_name_claims(d->sync, "carol", &c, &k);
        free(c);
        if (rc == 0 && k >= n)
            return;
        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    fprintf(stderr, "the network never served %zu claims for carol\n", n);
    exit(1);
}

/* Who can open message id of bob's cache: text opened with the keys of home (NULL if not). */
static char *open_as(tdev_t *bob, const char *id, const char *home)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(sync_get_message(bob->sync, id, &m), 0);
    dnasync_home_options_t opt = {0};
    dnasync_home_t *h = NULL;
    char err[512], *text = NULL;
    CHECK_EQ_INT(dnasync_home_open(home, &opt, &h, err, sizeof err), 0);
    if (sync_open_message(dnasync_home_sync(h), &m, &text, NULL) != 0)
        text = NULL;
    dnasync_home_free(h);
    message_info_clear(&m);
    return text;
}

int main(void)
{
    tnet_t net;
    tdev_t carol, bob, mallory, dave;
    tnet_start(&net, 2, 0);
    tdev_init(&carol, &net, "carol", "carol", 0);
    tdev_init(&bob, &net, "bob", "bob", 0);
    tdev_init(&mallory, &net, "mallory", "carol", 0); /* her own key, for the same name */
    tdev_init(&dave, &net, "dave", "dave", 0);
    tdev_open(&carol, &net);
    tdev_open(&bob, &net);
    tdev_open(&dave, &net);
    tdev_sync(&bob, NULL, NULL, NULL);
    tdev_sync(&dave, NULL, NULL, NULL);
    /* Mallory squats first; carol publishes after her and must still be seen. */
    hostile_peer_t *hp = hp_start(net.boot[0]);
    CHECK(hp != NULL);
    squat(hp, mallory.home);
    wait_claims(&bob, 1);
    tdev_sync(&carol, NULL, NULL, NULL); /* publishes carol's real record (self-dated now) */
    wait_claims(&bob, 2);

    char real[65], fake[65];
    fp_of(carol.home, real);
    fp_of(mallory.home, fake);

    /* 1. "carol" alone: two keys claim it, nothing is sealed, the error names both. */
    sync_status_t before, after;
    CHECK_EQ_INT(sync_get_status(bob.sync, &before), 0);
    char id[65];
    const char *text = "for carol only";
    int rc = sync_send(bob.sync, "carol", (const uint8_t *)text, strlen(text), id);
    if (rc == 0) {
        char *read = open_as(&bob, id, mallory.home);
        fprintf(stderr, "D1: bob's message to carol was sealed to the squatter's key (%s: '%s')\n",
                read ? "the squatter opened it" : "not opened", read ? read : "");
        free(read);
    }
    CHECK_EQ_INT(rc, DNASYNC_EEXIST);
    const char *err = sync_errmsg(bob.sync);
    fprintf(stderr, "bob: %s\n", err);
    char p16[17];
    snprintf(p16, sizeof p16, "%.16s", real);
    CHECK(strstr(err, p16) != NULL);
    snprintf(p16, sizeof p16, "%.16s", fake);
    CHECK(strstr(err, p16) != NULL);
    CHECK(strstr(err, "2 keys claim the name 'carol'") != NULL);
    CHECK(strstr(err, "self-dated 1970-01-01") != NULL);
    CHECK(strstr(err, "carol#") != NULL);
    CHECK_EQ_INT(sync_get_status(bob.sync, &after), 0);
    CHECK_EQ_INT(after.messages, before.messages); /* nothing stored */
    dnasync_pin_t pin;
    char why[512];
    CHECK_EQ_INT(dnasync_pin_lookup(bob.home, "carol", &pin, why, sizeof why), DNASYNC_ENOTFOUND);

    /* 2. By fingerprint: carol's real key is pinned, and only carol can read the message. */
    char addr[80];
    snprintf(addr, sizeof addr, "carol#%.8s", real);
    tdev_send(&bob, addr, text, id);
    CHECK_EQ_INT(dnasync_pin_lookup(bob.home, "carol", &pin, why, sizeof why), 0);
    char hex[65];
    dnasync_fingerprint_hex(pin.fingerprint, hex);
    CHECK_EQ_STR(hex, real);
    char *read = open_as(&bob, id, mallory.home);
    CHECK(read == NULL);
    tdev_sync_until(&carol, id);
    char inbox[512];
    tdev_inbox(&carol, inbox, sizeof inbox);
    CHECK(strstr(inbox, text) != NULL);

    /* 3. Pinned now: plain "carol" works, the squatter's fingerprint is refused. */
    tdev_send(&bob, "carol", "second", id);
    snprintf(addr, sizeof addr, "carol#%.12s", fake);
    CHECK_EQ_INT(sync_send(bob.sync, addr, (const uint8_t *)"x", 1, id), DNASYNC_EAUTH);
    CHECK(strstr(sync_errmsg(bob.sync), "pinned") != NULL);
    /* a prefix that matches no claim, and one too short */
    CHECK_EQ_INT(sync_send(dave.sync, "carol#00000000ffff", (const uint8_t *)"x", 1, id),
                 strncmp(real, "00000000ffff", 12) && strncmp(fake, "00000000ffff", 12)
                     ? DNASYNC_ENOTFOUND
                     : DNASYNC_EEXIST);
    CHECK_EQ_INT(sync_send(dave.sync, "carol#8af9", (const uint8_t *)"x", 1, id), DNASYNC_EINVAL);

    /* 4. Carol's real messages reach bob (the right key is pinned). */
    char reply[65];
    tdev_send(&carol, "bob", "hello bob", reply);
    tdev_sync_until(&bob, reply);

    /* 5. Dave has not chosen: carol's message is held, neither accepted nor refused, and his
     * day stays unverified; once he pins carol by fingerprint it arrives. */
    char to_dave[65];
    tdev_send(&carol, "dave", "hello dave", to_dave);
    CHECK_EQ_INT(sync_get_status(dave.sync, &before), 0);
    for (int i = 0; i < 5; i++)
        tdev_sync(&dave, NULL, NULL, NULL);
    CHECK(!tdev_has(&dave, to_dave));
    CHECK_EQ_INT(sync_get_status(dave.sync, &after), 0);
    CHECK_EQ_INT(after.rejected_values, before.rejected_values);
    CHECK(after.verified_days < after.window_days);
    char name[DNASYNC_NAME_MAX + 1];
    snprintf(addr, sizeof addr, "carol#%.10s", real);
    CHECK_EQ_INT(sync_contact_pin(dave.sync, addr, name), 0);
    CHECK_EQ_STR(name, "carol");
    tdev_sync_until(&dave, to_dave);

    hp_stop(hp);
    tdev_close(&dave);
    tdev_close(&bob);
    tdev_close(&carol);
    tnet_free(&net);
    return 0;
}
