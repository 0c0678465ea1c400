/* Validation of one put value at the gateway (see gw_check.h). */
#include "node/gw_check.h"

#include "common/err.h"
#include "crypto/ids.h"
#include "dht/dht.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"

#include <stdio.h>
#include <string.h>

#define GW_MAX_KEYS_PER_NAME 8 /* identity records considered per name */

uint16_t gw_type_of_kind(int kind)
{
    return dht_type_of_kind(kind);
}

int gw_kind_of_type(uint16_t type)
{
    return dht_kind_of_type(type);
}

/* Mark it refused with st; -1, the code its message is written with (dnasync_err_buf). */
static int refuse(gw_put_item_t *it, gw_status_t st)
{
    it->status = st;
    return -1;
}

/* Is key one of the mailbox buckets (box of `shard`, or the doorbell) of `mailbox` on a day in
 * the window around today? shard < 0: any day's doorbell only. */
static int in_mailbox(const uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int shard,
                      int64_t today)
{
    uint8_t k[DNASYNC_DHT_KEY_BYTES];
    for (int64_t d = today - GW_KEY_DAYS_BACK; d <= today + GW_KEY_DAYS_AHEAD; d++) {
        if (shard >= 0 && dht_key_box(k, mailbox, d, shard) == 0 &&
            memcmp(k, key, DNASYNC_DHT_KEY_BYTES) == 0)
            return 1;
        if (dht_key_bell(k, mailbox, d) == 0 && memcmp(k, key, DNASYNC_DHT_KEY_BYTES) == 0)
            return 1;
    }
    return 0;
}

static int key_ok(const gw_put_item_t *it, const dht_value_t *v, uint64_t now)
{
    int64_t today = (int64_t)(now / DNASYNC_DAY_S);
    uint8_t k[DNASYNC_DHT_KEY_BYTES];
    switch (v->kind) {
    case DHT_KIND_MESSAGE: {
        int shard = dht_shard_of(v->message_id);
        return in_mailbox(it->key, v->recipient, shard, today) ||
               in_mailbox(it->key, v->sender, shard, today);
    }
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT: return in_mailbox(it->key, v->owner, dht_shard_of(v->message_id), today);
    case DHT_KIND_SUMMARY:
        return dht_key_sum(k, v->mailbox, (int64_t)v->day) == 0 &&
               memcmp(k, it->key, DNASYNC_DHT_KEY_BYTES) == 0;
    case DHT_KIND_IDENTITY:
        return dht_key_id(k, v->name) == 0 && memcmp(k, it->key, DNASYNC_DHT_KEY_BYTES) == 0;
    case DHT_KIND_BUNDLE_MESSAGE:
    case DHT_KIND_BUNDLE_TOMBSTONE:
    case DHT_KIND_BUNDLE_RECEIPT: /* its own bucket, or that day's doorbell */
        return (dht_key_box(k, v->mailbox, (int64_t)v->day, v->shard) == 0 &&
                memcmp(k, it->key, DNASYNC_DHT_KEY_BYTES) == 0) ||
               (dht_key_bell(k, v->mailbox, (int64_t)v->day) == 0 &&
                memcmp(k, it->key, DNASYNC_DHT_KEY_BYTES) == 0);
    default: return 0;
    }
}

static uint64_t signed_time(const dht_value_t *v)
{
    if (v->kind == DHT_KIND_TOMBSTONE)
        return v->deleted_at;
    if (v->kind == DHT_KIND_RECEIPT)
        return v->read_at;
    return v->created_at;
}

static int created_ok(gw_put_item_t *it, const dht_value_t *v, uint64_t now)
{
    int64_t t = (int64_t)signed_time(v);
    if (!it->has_created) {
        it->created = t;
        it->has_created = 1;
    }
    int64_t c = it->created, n = (int64_t)now;
    if (c < t - GW_CREATED_SKEW_S || c > t + GW_CREATED_SKEW_S)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_CREATED),
                               "created is more than 300 s away from the value's time");
    if (c > n + GW_CREATED_SKEW_S)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_CREATED),
                               "created is in the future");
    if (c + (int64_t)dht_lifetime_days(v->kind) * DNASYNC_DAY_S <= n)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_CREATED),
                               "created is older than the value's lifetime");
    return 0;
}

/* Signing keys of name's identity values earlier in the batch that passed their checks (a new
 * device's first batch publishes its record). Returns how many were added to pks. */
static size_t batch_keys(const gw_put_req_t *req, size_t upto, const char *name, uint8_t pks[][32],
                         size_t max)
{
    size_t n = 0;
    for (size_t j = 0; j < upto && n < max; j++) {
        const gw_put_item_t *o = &req->items[j];
        if (o->status != GW_PENDING || o->kind != DHT_KIND_IDENTITY)
            continue;
        dht_value_t v;
        memset(&v, 0, sizeof v);
        if (dht_value_decode(o->data, o->len, &v) == 0 && strcmp(v.name, name) == 0)
            memcpy(pks[n++], v.signing_pk, 32);
        dht_value_clear(&v);
    }
    return n;
}

static int author_ok(gw_put_req_t *req, size_t i, const dht_value_t *v, gw_identity_fn who,
                     void *user)
{
    gw_put_item_t *it = &req->items[i];
    const char *name = v->kind == DHT_KIND_MESSAGE          ? v->sender
                       : v->kind == DHT_KIND_BUNDLE_MESSAGE ? v->members[0].sender
                       : DHT_KIND_IS_BUNDLE(v->kind)        ? v->mailbox
                                                            : v->owner;
    uint8_t pks[2 * GW_MAX_KEYS_PER_NAME][32];
    size_t n = batch_keys(req, i, name, pks, GW_MAX_KEYS_PER_NAME), m = 0;
    if (who(user, name, pks + n, GW_MAX_KEYS_PER_NAME, &m) != 0 && n == 0)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_NO_IDENTITY),
                               "cannot read the identity of '%s' now; try again", name);
    n += m;
    if (n == 0)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_NO_IDENTITY),
                               "'%s' has no identity record on the DHT", name);
    for (size_t k = 0; k < n; k++)
        if (memcmp(pks[k], v->author_pk, 32) == 0)
            return 0;
    return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_NOT_OWNER),
                           v->kind == DHT_KIND_MESSAGE || v->kind == DHT_KIND_BUNDLE_MESSAGE
                               ? "not signed by the identity key of its sender '%s'"
                               : "not signed by the identity key of the owner '%s'",
                           name);
}

static int check(gw_put_req_t *req, size_t i, dht_value_t *v, uint64_t now, gw_identity_fn who,
                 void *user)
{
    gw_put_item_t *it = &req->items[i];
    if (dht_value_decode(it->data, it->len, v) != 0)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_MALFORMED),
                               "the value does not decode as a dnasync value");
    if (v->kind != it->kind)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_KIND_MISMATCH),
                               "the value is a %s", dht_kind_name(v->kind));
    if (dht_value_verify(v) != 0)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_SIGNATURE),
                               "the Ed25519 signature does not verify");
    if (dht_value_id(v) != it->vid)
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_ID),
                               "id is not the value's id");
    if (v->kind == DHT_KIND_MESSAGE) {
        char mid[65];
        if (dnasync_message_id(v->sender, v->recipient, v->created_at, v->payload, v->payload_len,
                               mid) != 0 ||
            strcmp(mid, v->message_id) != 0)
            return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_ID),
                                   "the message id is not the recomputed one");
    }
    for (size_t m = 0; v->kind == DHT_KIND_BUNDLE_MESSAGE && m < v->n_members; m++) {
        const dht_member_t *e = &v->members[m];
        char mid[65];
        if (strcmp(e->sender, v->members[0].sender) != 0)
            return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_ID),
                                   "a message bundle has one sender");
        if (dnasync_message_id(e->sender, e->recipient, e->at, e->payload, e->payload_len, mid) !=
                0 ||
            strcmp(mid, e->message_id) != 0)
            return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_BAD_ID),
                                   "a member's message id is not the recomputed one");
    }
    if (!key_ok(it, v, now))
        return dnasync_err_buf(it->message, sizeof it->message, refuse(it, GW_WRONG_KEY),
                               "the key is not a bucket this %s belongs to",
                               dht_kind_name(v->kind));
    if (created_ok(it, v, now) != 0)
        return -1;
    if (v->kind != DHT_KIND_SUMMARY && v->kind != DHT_KIND_IDENTITY)
        return author_ok(req, i, v, who, user);
    return 0;
}

void gw_check_item(gw_put_req_t *req, size_t i, uint64_t now, gw_identity_fn who, void *user)
{
    if (req->items[i].status != GW_PENDING)
        return;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    (void)check(req, i, &v, now, who, user);
    dht_value_clear(&v);
}
