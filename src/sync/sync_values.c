/* Building the signed values dnasync puts on the DHT and checking the ones it reads.
 * Nothing read from the DHT reaches the cache before sv_decode_verify accepted it. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_values.h"

#include "common/hex.h"
#include "dnasync/identity.h"
#include "dnasync/ids.h"
#include "dnasync/mlkem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_value_clear(sv_value_t *v)
{
    message_info_clear(&v->msg);
    memset(v, 0, sizeof *v);
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
    /* borrowed for the encode only; not freed through v */
    v.sender = msg->sender;
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
    dht_summary_entry_t entries[SYNC_SHARDS];
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = dnasync_env_now(ctx->env);
    v.mailbox = (char *)mailbox;
    v.day = (uint64_t)day;
    dnasync_hex_decode(ctx->device_id, v.writer_id, DHT_WRITER_ID_BYTES);
    v.counter = s->version;
    for (unsigned i = 0; i < SYNC_SHARDS; i++)
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

/* --- identities of others --- */

typedef struct id_pick {
    sync_context_t *ctx;
    const char *name;
    dht_value_t best;
    bool found;
} id_pick_t;

static int on_identity(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    (void)vid;
    id_pick_t *p = user;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    if (dht_value_decode(val, len, &v) != 0 || v.kind != DHT_KIND_IDENTITY ||
        dht_value_verify(&v) != 0 || strcmp(v.name, p->name) != 0 ||
        mlkem512_check_ek(v.kem_pk, DHT_KEM_PK_BYTES) != 0) {
        p->ctx->rejected++;
        dht_value_clear(&v);
        return 0;
    }
    /* First claim wins: the oldest record for the name. */
    if (!p->found || v.created_at < p->best.created_at) {
        dht_value_clear(&p->best);
        p->best = v;
        p->found = true;
    } else {
        dht_value_clear(&v);
    }
    return 0;
}

#define ID_META "identity:"

/* The keys of `name`, from this device's pin store or the DHT (then pinned). */
static int resolve(sync_context_t *ctx, const char *name, uint8_t sign_pk[32], uint8_t *kem_ek)
{
    if (strcmp(name, ctx->identity) == 0) {
        memcpy(sign_pk, ctx->id->sign_pk, 32);
        if (kem_ek)
            memcpy(kem_ek, ctx->id->kem_ek, MLKEM512_EK_BYTES);
        return DNASYNC_OK;
    }
    char key[sizeof ID_META + DNASYNC_NAME_MAX], *hex = NULL;
    snprintf(key, sizeof key, ID_META "%s", name);
    if (dnasync_cache_meta_get(ctx->cache, key, &hex) == 0 && hex &&
        strlen(hex) == 2 * (32 + MLKEM512_EK_BYTES)) {
        uint8_t both[32 + MLKEM512_EK_BYTES];
        int ok = dnasync_hex_decode(hex, both, sizeof both) == 0;
        free(hex);
        if (ok) {
            memcpy(sign_pk, both, 32);
            if (kem_ek)
                memcpy(kem_ek, both + 32, MLKEM512_EK_BYTES);
            return DNASYNC_OK;
        }
    } else {
        free(hex);
    }
    if (!ctx->net)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT, "identity '%s' unknown and offline", name);
    id_pick_t pick;
    memset(&pick, 0, sizeof pick);
    pick.ctx = ctx;
    pick.name = name;
    uint8_t k[20];
    int rc = net_key_id(name, k);
    if (rc == 0)
        rc = net_get(ctx, k, on_identity, &pick);
    if (rc != 0) {
        dht_value_clear(&pick.best);
        return rc;
    }
    if (!pick.found)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOTFOUND,
                               "no identity '%s' on the DHT (has it been initialised and synced?)",
                               name);
    char why[512] = "";
    rc = ctx->home ? dnasync_pin_check_or_add(ctx->home, name, pick.best.signing_pk,
                                              pick.best.kem_pk, why, sizeof why)
                   : DNASYNC_OK;
    if (rc != 0) {
        dht_value_clear(&pick.best);
        return dnasync_err_set(&ctx->err, DNASYNC_EAUTH, "%s", why);
    }
    uint8_t both[32 + MLKEM512_EK_BYTES];
    char both_hex[2 * sizeof both + 1];
    memcpy(both, pick.best.signing_pk, 32);
    memcpy(both + 32, pick.best.kem_pk, MLKEM512_EK_BYTES);
    dnasync_hex_encode(both, sizeof both, both_hex);
    dnasync_cache_meta_set(ctx->cache, key, both_hex);
    memcpy(sign_pk, pick.best.signing_pk, 32);
    if (kem_ek)
        memcpy(kem_ek, pick.best.kem_pk, MLKEM512_EK_BYTES);
    dht_value_clear(&pick.best);
    return DNASYNC_OK;
}

int sv_resolve_kem_key(sync_context_t *ctx, const char *name, uint8_t **ek)
{
    uint8_t pk[32];
    *ek = malloc(MLKEM512_EK_BYTES);
    if (!*ek)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    int rc = resolve(ctx, name, pk, *ek);
    if (rc != 0) {
        free(*ek);
        *ek = NULL;
    }
    return rc;
}

int sv_publish_identity(sync_context_t *ctx)
{
    uint8_t *val = NULL;
    size_t len = 0;
    int rc = sv_encode_identity(ctx, &val, &len);
    if (rc != 0)
        return rc;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    net_put_t put = {
        .val = val, .len = len, .kind = SV_IDENTITY, .created = (int64_t)dnasync_env_now(ctx->env)};
    if (dht_value_decode(val, len, &v) == 0)
        put.vid = dht_value_id(&v);
    dht_value_clear(&v);
    rc = net_key_id(ctx->identity, put.key);
    if (rc == 0)
        rc = net_put_many(ctx, &put, 1);
    free(val);
    if (rc == 0 && !put.ok)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "identity record not confirmed by the DHT");
    return rc;
}

/* --- checking what was read --- */

static int reject(sync_context_t *ctx, int code, const char *why)
{
    return dnasync_err_set(&ctx->err, code, "value rejected: %s", why);
}

static int check_message(sync_context_t *ctx, const char *mailbox, dht_value_t *v, sv_value_t *out)
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
    int rc = resolve(ctx, v->sender, pk, NULL);
    if (rc == DNASYNC_EDHT || rc == DNASYNC_ETIMEOUT || rc == DNASYNC_ENOTFOUND)
        return DNASYNC_EDHT; /* cannot check now (no record found yet): try again next pass */
    if (rc != 0 || memcmp(pk, v->author_pk, 32) != 0)
        return reject(ctx, DNASYNC_EAUTH, "message not signed by its sender's identity");
    message_info_t *m = &out->msg;
    memcpy(m->message_id, v->message_id, sizeof m->message_id);
    const char *parts[2] = {v->sender, v->recipient};
    if (dnasync_conversation_id(parts, 2, m->conversation_id) != 0)
        return reject(ctx, DNASYNC_ECORRUPT, "bad names");
    m->sender = v->sender;
    m->recipient = v->recipient;
    m->ciphertext = v->payload;
    m->ciphertext_len = v->payload_len;
    v->sender = v->recipient = NULL;
    v->payload = NULL;
    strcpy(m->status, "sent");
    m->created_at = (int64_t)v->created_at;
    m->synced_to_dht = true;
    memcpy(out->message_id, v->message_id, sizeof out->message_id);
    return DNASYNC_OK;
}

int sv_decode_verify(sync_context_t *ctx, const char *mailbox, int64_t day, const uint8_t *val,
                     size_t len, sv_value_t *out)
{
    memset(out, 0, sizeof *out);
    dht_value_t v;
    memset(&v, 0, sizeof v);
    int rc = dht_value_decode(val, len, &v);
    if (rc != 0) {
        dht_value_clear(&v);
        return reject(ctx, DNASYNC_ECORRUPT, "malformed value");
    }
    if (dht_value_verify(&v) != 0) {
        dht_value_clear(&v);
        return reject(ctx, DNASYNC_EAUTH, "bad signature");
    }
    out->kind = v.kind;
    switch (v.kind) {
    case DHT_KIND_MESSAGE: rc = check_message(ctx, mailbox, &v, out); break;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT: {
        /* Only the mailbox owner's devices delete or mark read in the owner's mailbox. */
        uint8_t pk[32];
        rc = strcmp(v.owner, mailbox) == 0 ? resolve(ctx, mailbox, pk, NULL) : DNASYNC_EAUTH;
        if (rc == 0 && memcmp(pk, v.author_pk, 32) != 0)
            rc = DNASYNC_EAUTH;
        if (rc == DNASYNC_EAUTH)
            rc = reject(ctx, rc, "tombstone or receipt not signed by the mailbox owner");
        memcpy(out->message_id, v.message_id, sizeof out->message_id);
        out->deleted_at = (int64_t)(v.kind == DHT_KIND_RECEIPT ? v.read_at : v.deleted_at);
        break;
    }
    case DHT_KIND_SUMMARY:
        if (strcmp(v.mailbox, mailbox) != 0 || (int64_t)v.day != day) {
            rc = reject(ctx, DNASYNC_EAUTH, "summary for another mailbox or day");
            break;
        }
        memcpy(out->summary.writer, v.writer_id, sizeof out->summary.writer);
        out->summary.version = v.counter;
        for (size_t i = 0; i < v.n_entries; i++) {
            out->summary.count[v.entries[i].shard] = v.entries[i].count;
            out->summary.xors[v.entries[i].shard] = v.entries[i].xor_ids;
        }
        break;
    default: rc = reject(ctx, DNASYNC_ECORRUPT, "unexpected kind in a mailbox");
    }
    dht_value_clear(&v);
    if (rc != 0)
        sv_value_clear(out);
    return rc;
}

#define ID_PUBLISHED "identity_published_at"

int sync_identity_refresh_locked(sync_context_t *ctx)
{
    char *last = NULL;
    uint64_t now = dnasync_env_now(ctx->env);
    int rc = dnasync_cache_meta_get(ctx->cache, ID_PUBLISHED, &last);
    if (rc != 0 && rc != DNASYNC_ENOTFOUND)
        return sync_cache_fail(ctx);
    uint64_t at = last ? strtoull(last, NULL, 10) : 0;
    free(last);
    if (at && now >= at && now - at < 7 * 86400u)
        return DNASYNC_OK;
    rc = sv_publish_identity(ctx);
    if (rc != 0)
        return rc;
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)now);
    return dnasync_cache_meta_set(ctx->cache, ID_PUBLISHED, num) == 0 ? 0 : sync_cache_fail(ctx);
}
