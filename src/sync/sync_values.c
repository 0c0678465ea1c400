/* Building the signed values dnasync puts on the DHT and checking the ones it reads.
 * Nothing read from the DHT reaches the cache before sv_decode_verify accepted it. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_values.h"

#include "common/hex.h"
#include "crypto/ids.h"
#include "crypto/mlkem.h"
#include "dnasync/identity.h"
#include "sync/contacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_value_clear(sv_value_t *v)
{
    message_info_clear(&v->msg);
    memset(v, 0, sizeof *v);
}

/* The codec's view takes a char *, and a mailbox is a name: a copy on the caller's stack. */
static int box_copy(sync_context_t *ctx, char box[DNASYNC_NAME_MAX + 1], const char *mailbox)
{
    if (strlen(mailbox) > DNASYNC_NAME_MAX)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "mailbox name too long");
    strcpy(box, mailbox);
    return DNASYNC_OK;
}

static int sign_and_encode(sync_context_t *ctx, dht_value_t *v, uint8_t **out, size_t *len)
{
    int rc = ctx->id->sign_key ? dht_value_sign_key(v, ctx->id->sign_key)
                               : dht_value_sign(v, ctx->id->sign_sk);
    if (rc == 0)
        rc = dht_value_encode(v, out, len);
    if (rc != 0)
        dnasync_err_set(&ctx->err, rc, "cannot encode a %s value: %s", dht_kind_name(v->kind),
                        dnasync_strerror(rc));
    return rc;
}

int sv_encode_message(sync_context_t *ctx, const message_info_t *msg, uint8_t **out, size_t *len)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_MESSAGE;
    v.created_at = (uint64_t)msg->created_at;
    memcpy(v.message_id, msg->message_id, sizeof v.message_id);
    v.sender = msg->sender; /* v is a borrowed view (dht_codec.h): never cleared */
    v.recipient = msg->recipient;
    v.payload = msg->ciphertext;
    v.payload_len = msg->ciphertext_len;
    return sign_and_encode(ctx, &v, out, len);
}

int sv_encode_mark(sync_context_t *ctx, int kind, const char *message_id, int64_t at, uint8_t **out,
                   size_t *len, uint64_t *vid)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = (uint8_t)kind;
    v.created_at = (uint64_t)at;
    if (kind == SV_RECEIPT)
        v.read_at = (uint64_t)at;
    else
        v.deleted_at = (uint64_t)at;
    memcpy(v.message_id, message_id, DNASYNC_ID_HEX_LEN + 1);
    v.owner = ctx->identity;
    dnasync_hex_decode(ctx->device_id, v.writer_id, DHT_WRITER_ID_BYTES);
    int rc = sign_and_encode(ctx, &v, out, len);
    *vid = dht_value_id(&v); /* needs author_pk, set by the signing */
    return rc;
}

int sv_encode_summary(sync_context_t *ctx, const char *mailbox, int64_t day, const sv_summary_t *s,
                      uint8_t **out, size_t *len, uint64_t *vid)
{
    /* v is a borrowed view (dht_codec.h) of these, never cleared */
    dht_summary_entry_t entries[DNASYNC_DHT_SHARDS];
    char box[DNASYNC_NAME_MAX + 1];
    if (box_copy(ctx, box, mailbox) != 0)
        return DNASYNC_EINVAL;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = dnasync_env_now(ctx->env);
    v.mailbox = box;
    v.day = (uint64_t)day;
    dnasync_hex_decode(ctx->device_id, v.writer_id, DHT_WRITER_ID_BYTES);
    v.counter = s->version;
    for (unsigned i = 0; i < DNASYNC_DHT_SHARDS; i++)
        if (s->count[i])
            entries[v.n_entries++] = (dht_summary_entry_t){(uint8_t)i, s->count[i], s->xors[i]};
    v.entries = entries;
    int rc = sign_and_encode(ctx, &v, out, len);
    *vid = dht_value_id(&v);
    return rc;
}

int sv_encode_identity(sync_context_t *ctx, uint8_t **out, size_t *len)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_IDENTITY;
    v.created_at = dnasync_env_now(ctx->env);
    v.name = ctx->identity;
    memcpy(v.kem_pk, ctx->id->kem_ek, DHT_KEM_PK_BYTES);
    return sign_and_encode(ctx, &v, out, len);
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const dht_member_t *)a)->message_id, ((const dht_member_t *)b)->message_id);
}

int sv_encode_bundle(sync_context_t *ctx, int kind, const char *mailbox, int64_t day,
                     unsigned shard, dht_member_t *members, size_t n, uint8_t **out, size_t *len,
                     uint64_t *vid, int64_t *created)
{
    qsort(members, n, sizeof *members, member_cmp); /* one encoding per member set */
    char box[DNASYNC_NAME_MAX + 1];
    if (box_copy(ctx, box, mailbox) != 0)
        return DNASYNC_EINVAL;
    dht_value_t v; /* a borrowed view (dht_codec.h) of box and members, never cleared */
    memset(&v, 0, sizeof v);
    v.version = DHT_BUNDLE_FORMAT;
    v.kind = (uint8_t)kind;
    v.created_at = UINT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (members[i].at < v.created_at)
            v.created_at = members[i].at;
    v.mailbox = box;
    v.day = (uint64_t)day;
    v.shard = (uint8_t)shard;
    dnasync_hex_decode(ctx->device_id, v.writer_id, DHT_WRITER_ID_BYTES);
    v.members = members;
    v.n_members = n;
    int rc = sign_and_encode(ctx, &v, out, len);
    *vid = rc == 0 ? dht_value_id(&v) : 0;
    *created = (int64_t)v.created_at;
    return rc;
}

/* --- checking what was read --- */

static int reject(sync_context_t *ctx, int code, const char *why)
{
    return dnasync_err_set(&ctx->err, code, "value rejected: %s", why);
}

/* The checks of a message (v is only read); on success out->msg has all but the sender,
 * recipient and ciphertext, which the caller moves in from the value that owns them
 * (take_message). */
static int check_message(sync_context_t *ctx, const char *mailbox, const dht_value_t *v,
                         sv_value_t *out)
{
    if (strcmp(v->sender, mailbox) != 0 && strcmp(v->recipient, mailbox) != 0)
        return reject(ctx, DNASYNC_EAUTH,
                      "message in a mailbox that is neither sender's nor recipient's");
    char id[DNASYNC_ID_HEX_LEN + 1];
    if (dnasync_message_id(v->sender, v->recipient, v->created_at, v->payload, v->payload_len,
                           id) != 0 ||
        strcmp(id, v->message_id) != 0)
        return reject(ctx, DNASYNC_EAUTH, "recomputed message id differs");
    uint8_t pk[32];
    int rc = sv_resolve(ctx, v->sender, NULL, pk, NULL);
    /* Cannot check now (no record found yet, or several keys claim the sender's name and the
     * user has not chosen one): hold it, try again next pass. */
    if (rc == DNASYNC_EDHT || rc == DNASYNC_ETIMEOUT || rc == DNASYNC_ENOTFOUND ||
        rc == DNASYNC_EEXIST)
        return DNASYNC_EDHT;
    if (rc != 0 || memcmp(pk, v->author_pk, 32) != 0)
        return reject(ctx, DNASYNC_EAUTH, "message not signed by its sender's identity");
    message_info_t *m = &out->msg;
    memcpy(m->message_id, v->message_id, sizeof m->message_id);
    const char *parts[2] = {v->sender, v->recipient};
    if (dnasync_conversation_id(parts, 2, m->conversation_id) != 0)
        return reject(ctx, DNASYNC_ECORRUPT, "bad names");
    strcpy(m->status, "sent");
    m->created_at = (int64_t)v->created_at;
    m->synced_to_dht = true;
    memcpy(out->message_id, v->message_id, sizeof out->message_id);
    return DNASYNC_OK;
}

/* Move a checked message's strings and payload into out->msg; their owner gives them up. */
static void take_message(sv_value_t *out, char **sender, char **recipient, uint8_t **payload,
                         size_t payload_len)
{
    out->msg.sender = *sender;
    out->msg.recipient = *recipient;
    out->msg.ciphertext = *payload;
    out->msg.ciphertext_len = payload_len;
    *sender = *recipient = NULL;
    *payload = NULL;
}

static int fill_summary(sync_context_t *ctx, const char *mailbox, int64_t day, const dht_value_t *v,
                        sv_summary_t *out)
{
    if (strcmp(v->mailbox, mailbox) != 0 || (int64_t)v->day != day)
        return reject(ctx, DNASYNC_EAUTH, "summary for another mailbox or day");
    memset(out, 0, sizeof *out);
    memcpy(out->author, v->author_pk, sizeof out->author);
    out->vid = dht_value_id(v);
    memcpy(out->writer, v->writer_id, sizeof out->writer);
    out->version = v->counter;
    for (size_t i = 0; i < v->n_entries; i++) {
        out->count[v->entries[i].shard] = v->entries[i].count;
        out->xors[v->entries[i].shard] = v->entries[i].xor_ids;
    }
    return DNASYNC_OK;
}

uint64_t sv_summary_vid(const char *mailbox, int64_t day, const uint8_t writer[16],
                        const uint8_t author[32])
{
    return dht_summary_value_id(mailbox, (uint64_t)day, writer, author);
}

int sv_decode_summary(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                      size_t len, bool verify, sv_summary_t *out)
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    int rc = dht_value_decode(val, len, &v);
    if (rc != 0 || v.kind != DHT_KIND_SUMMARY)
        rc = reject(ctx, DNASYNC_ECORRUPT, "not a summary");
    else if (verify && dht_value_verify(&v) != 0)
        rc = reject(ctx, DNASYNC_EAUTH, "bad signature");
    else
        rc = fill_summary(ctx, mailbox, day, &v, out);
    dht_value_clear(&v);
    return rc;
}

/* The checks of one decoded single value (format 1); v is consumed (cleared). */
static int verify_single(sync_context_t *ctx, const char *mailbox, int64_t day, dht_value_t *v,
                         sv_value_t *out)
{
    int rc;
    if (dht_value_verify(v) != 0) {
        dht_value_clear(v);
        return reject(ctx, DNASYNC_EAUTH, "bad signature");
    }
    out->kind = v->kind;
    out->vid = dht_value_id(v);
    memcpy(out->author, v->author_pk, sizeof out->author);
    switch (v->kind) {
    case DHT_KIND_MESSAGE:
        rc = check_message(ctx, mailbox, v, out);
        if (rc == 0)
            take_message(out, &v->sender, &v->recipient, &v->payload, v->payload_len);
        break;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT: {
        /* Only the mailbox owner's devices delete or mark read in the owner's mailbox. */
        uint8_t pk[32];
        rc = strcmp(v->owner, mailbox) == 0 ? sv_resolve(ctx, mailbox, NULL, pk, NULL)
                                            : DNASYNC_EAUTH;
        if (rc == 0 && memcmp(pk, v->author_pk, 32) != 0)
            rc = DNASYNC_EAUTH;
        if (rc == DNASYNC_EAUTH)
            rc = reject(ctx, rc, "tombstone or receipt not signed by the mailbox owner");
        memcpy(out->message_id, v->message_id, sizeof out->message_id);
        if (v->kind == DHT_KIND_RECEIPT)
            out->read_at = (int64_t)v->read_at;
        else
            out->deleted_at = (int64_t)v->deleted_at;
        break;
    }
    case DHT_KIND_SUMMARY: rc = fill_summary(ctx, mailbox, day, v, &out->summary); break;
    default: rc = reject(ctx, DNASYNC_ECORRUPT, "unexpected kind in a mailbox");
    }
    dht_value_clear(v);
    if (rc != 0)
        sv_value_clear(out);
    return rc;
}

int sv_decode_verify(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                     size_t len, sv_value_t *out)
{
    memset(out, 0, sizeof *out);
    dht_value_t v;
    memset(&v, 0, sizeof v);
    if (dht_value_decode(val, len, &v) != 0 || DHT_KIND_IS_BUNDLE(v.kind)) {
        dht_value_clear(&v);
        return reject(ctx, DNASYNC_ECORRUPT, "malformed value");
    }
    return verify_single(ctx, mailbox, day, &v, out);
}

void sv_values_free(sv_value_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sv_value_clear(&v[i]);
    free(v);
}

/* One member, checked as the single value it stands for (check_message and the owner rule). */
static int check_member(sync_context_t *ctx, const char *mailbox, dht_value_t *b, size_t i,
                        const uint8_t *owner_pk, sv_value_t *out)
{
    dht_member_t *m = &b->members[i];
    out->kind = DHT_BUNDLE_MEMBER_KIND(b->kind);
    memcpy(out->author, b->author_pk, sizeof out->author);
    memcpy(out->message_id, m->message_id, sizeof out->message_id);
    if (out->kind != SV_MESSAGE) {
        if (out->kind == SV_RECEIPT)
            out->read_at = (int64_t)m->at;
        else
            out->deleted_at = (int64_t)m->at;
        return owner_pk && memcmp(owner_pk, b->author_pk, 32) == 0
                   ? DNASYNC_OK
                   : reject(ctx, DNASYNC_EAUTH, "bundle not signed by the mailbox owner");
    }
    dht_value_t t; /* a borrowed view of m as the single value it stands for, never cleared */
    memset(&t, 0, sizeof t);
    t.kind = DHT_KIND_MESSAGE;
    t.created_at = m->at;
    memcpy(t.author_pk, b->author_pk, sizeof t.author_pk);
    memcpy(t.message_id, m->message_id, sizeof t.message_id);
    t.sender = m->sender;
    t.recipient = m->recipient;
    t.payload = m->payload;
    t.payload_len = m->payload_len;
    int rc = check_message(ctx, mailbox, &t, out);
    if (rc == 0) /* from the bundle, which owns them */
        take_message(out, &m->sender, &m->recipient, &m->payload, m->payload_len);
    return rc;
}

static int verify_bundle(sync_context_t *ctx, const char *mailbox, int64_t day, dht_value_t *b,
                         sv_value_t *out)
{
    if (strcmp(b->mailbox, mailbox) != 0 || (int64_t)b->day != day)
        return reject(ctx, DNASYNC_EAUTH, "bundle for another mailbox or day");
    uint8_t owner[32];
    const uint8_t *owner_pk = NULL;
    if (b->kind != DHT_KIND_BUNDLE_MESSAGE) {
        /* Only the mailbox owner's devices delete or mark read in the owner's mailbox. */
        int rc = sv_resolve(ctx, mailbox, NULL, owner, NULL);
        if (rc != 0 && rc != DNASYNC_EAUTH)
            return rc;
        owner_pk = rc == 0 ? owner : NULL;
    }
    uint64_t vid = dht_value_id(b);
    int rc = 0;
    /* any member that fails refuses the whole bundle */
    for (size_t i = 0; rc == 0 && i < b->n_members; i++) {
        rc = check_member(ctx, mailbox, b, i, owner_pk, &out[i]);
        out[i].vid = vid;
    }
    return rc;
}

int sv_decode_verify_all(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                         size_t len, sv_value_t **out, size_t *n, bool *bundle)
{
    *out = NULL;
    *n = 0;
    *bundle = false;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    int rc = dht_value_decode(val, len, &v);
    if (rc == 0 && !DHT_KIND_IS_BUNDLE(v.kind)) {
        /* a single value (format 1), read for the 30-day window after the upgrade */
        sv_value_t *one = calloc(1, sizeof *one);
        if (!one) {
            dht_value_clear(&v);
            return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        }
        rc = verify_single(ctx, mailbox, day, &v, one);
        if (rc != 0) {
            free(one);
            return rc;
        }
        *out = one;
        *n = 1;
        return DNASYNC_OK;
    }
    if (rc != 0) {
        dht_value_clear(&v);
        return reject(ctx, DNASYNC_ECORRUPT, "malformed value");
    }
    *bundle = true;
    if (dht_value_verify(&v) != 0) { /* once for every member */
        dht_value_clear(&v);
        return reject(ctx, DNASYNC_EAUTH, "bad signature");
    }
    sv_value_t *all = calloc(v.n_members, sizeof *all);
    rc = all ? verify_bundle(ctx, mailbox, day, &v, all)
             : dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    size_t count = v.n_members;
    dht_value_clear(&v);
    if (rc != 0) {
        sv_values_free(all, count);
        return rc;
    }
    *out = all;
    *n = count;
    return DNASYNC_OK;
}
