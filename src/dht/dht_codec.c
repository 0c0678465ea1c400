/* Value codec: msgpack-c writes, a small strict reader reads (it never allocates from a length
 * it has not checked against the remaining input), and the input must re-encode identically. */
#include "dht/dht_codec.h"

#include "common/hex.h"
#include "dht/dht_keys.h"
#include "dnasync/status.h"

#include <msgpack.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SIGN_TAG[] = "dnasync/1/value"; /* NUL included in the signed bytes */

const char *dht_kind_name(int kind)
{
    switch (kind) {
    case DHT_KIND_MESSAGE: return "message";
    case DHT_KIND_TOMBSTONE: return "tombstone";
    case DHT_KIND_RECEIPT: return "receipt";
    case DHT_KIND_IDENTITY: return "identity";
    case DHT_KIND_SUMMARY: return "summary";
    case DHT_KIND_BUNDLE_MESSAGE: return "message bundle";
    case DHT_KIND_BUNDLE_TOMBSTONE: return "tombstone bundle";
    case DHT_KIND_BUNDLE_RECEIPT: return "receipt bundle";
    default: return "unknown";
    }
}

static int lower_hex(const char *s, size_t len)
{
    if (!s || strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* A bundle's members: ascending unique ids, all in its shard, each well-formed, and the
 * bundle's time the smallest member time, so a member set has exactly one encoding. */
static int validate_bundle(const dht_value_t *v)
{
    if (!dht_name_valid(v->mailbox) || v->day > (uint64_t)INT64_MAX ||
        v->shard >= DNASYNC_DHT_SHARDS || v->n_members == 0 ||
        v->n_members > DHT_MAX_BUNDLE_MEMBERS || !v->members)
        return 0;
    uint64_t first = UINT64_MAX;
    for (size_t i = 0; i < v->n_members; i++) {
        const dht_member_t *m = &v->members[i];
        if (!lower_hex(m->message_id, DNASYNC_ID_HEX_LEN) ||
            dht_shard_of(m->message_id) != (int)v->shard || m->at > (uint64_t)INT64_MAX ||
            (i > 0 && strcmp(m->message_id, v->members[i - 1].message_id) <= 0))
            return 0;
        if (v->kind == DHT_KIND_BUNDLE_MESSAGE &&
            (!dht_name_valid(m->sender) || !dht_name_valid(m->recipient) ||
             (strcmp(m->sender, v->mailbox) != 0 && strcmp(m->recipient, v->mailbox) != 0) ||
             (!m->payload && m->payload_len) || m->payload_len > DHT_VALUE_MAX_BYTES))
            return 0;
        if (m->at < first)
            first = m->at;
    }
    return v->created_at == first;
}

/* Field checks shared by encode and decode. */
static int validate(const dht_value_t *v)
{
    int bundle = DHT_KIND_IS_BUNDLE(v->kind);
    if (v->version != (bundle ? DHT_BUNDLE_FORMAT : DHT_VALUE_FORMAT) ||
        v->sig_scheme != DNASYNC_SIGN_SCHEME_ED25519)
        return 0;
    if (bundle)
        return validate_bundle(v);
    switch (v->kind) {
    case DHT_KIND_MESSAGE:
        return lower_hex(v->message_id, DNASYNC_ID_HEX_LEN) && dht_name_valid(v->sender) &&
               dht_name_valid(v->recipient) && (v->payload || v->payload_len == 0) &&
               v->payload_len <= DHT_VALUE_MAX_BYTES;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT:
        return lower_hex(v->message_id, DNASYNC_ID_HEX_LEN) && dht_name_valid(v->owner);
    case DHT_KIND_IDENTITY:
        if (!dht_name_valid(v->name) || v->n_devices > DHT_MAX_DEVICES ||
            (v->n_devices && !v->devices))
            return 0;
        for (size_t i = 0; i < v->n_devices; i++)
            if (!lower_hex(v->devices[i], DNASYNC_DEVICE_ID_LEN))
                return 0;
        return 1;
    case DHT_KIND_SUMMARY:
        if (!dht_name_valid(v->mailbox) || v->n_entries > DHT_MAX_SUMMARY_ENTRIES ||
            (v->n_entries && !v->entries) || v->day > (uint64_t)INT64_MAX)
            return 0;
        for (size_t i = 0; i < v->n_entries; i++) {
            if (v->entries[i].shard >= DNASYNC_DHT_SHARDS)
                return 0;
            if (i > 0 && v->entries[i].shard <= v->entries[i - 1].shard)
                return 0;
        }
        return 1;
    default: return 0;
    }
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_bin(msgpack_packer *pk, const uint8_t *b, size_t n)
{
    msgpack_pack_bin(pk, n);
    if (n)
        msgpack_pack_bin_body(pk, b, n);
}

static int encode_sig(const dht_value_t *v, const uint8_t *sig, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!validate(v))
        return DNASYNC_EINVAL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    size_t n = v->kind == DHT_KIND_SUMMARY || DHT_KIND_IS_BUNDLE(v->kind) ? 11 : 10;
    msgpack_pack_array(&pk, n);
    msgpack_pack_uint8(&pk, v->version);
    msgpack_pack_uint8(&pk, v->kind);
    msgpack_pack_uint64(&pk, v->created_at);
    pack_bin(&pk, v->author_pk, DNASYNC_SIGN_PK_BYTES);
    msgpack_pack_uint8(&pk, v->sig_scheme);
    pack_bin(&pk, sig, DNASYNC_SIGN_BYTES);
    switch (v->kind) {
    case DHT_KIND_MESSAGE:
        pack_str(&pk, v->message_id);
        pack_str(&pk, v->sender);
        pack_str(&pk, v->recipient);
        pack_bin(&pk, v->payload, v->payload_len);
        break;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT:
        pack_str(&pk, v->message_id);
        msgpack_pack_uint64(&pk, v->kind == DHT_KIND_RECEIPT ? v->read_at : v->deleted_at);
        pack_str(&pk, v->owner);
        pack_bin(&pk, v->writer_id, DHT_WRITER_ID_BYTES);
        break;
    case DHT_KIND_IDENTITY:
        pack_str(&pk, v->name);
        pack_bin(&pk, v->signing_pk, DNASYNC_SIGN_PK_BYTES);
        pack_bin(&pk, v->kem_pk, DHT_KEM_PK_BYTES);
        msgpack_pack_array(&pk, v->n_devices);
        for (size_t i = 0; i < v->n_devices; i++)
            pack_str(&pk, v->devices[i]);
        break;
    case DHT_KIND_BUNDLE_MESSAGE:
    case DHT_KIND_BUNDLE_TOMBSTONE:
    case DHT_KIND_BUNDLE_RECEIPT:
        pack_str(&pk, v->mailbox);
        msgpack_pack_uint64(&pk, v->day);
        msgpack_pack_uint8(&pk, v->shard);
        pack_bin(&pk, v->writer_id, DHT_WRITER_ID_BYTES);
        msgpack_pack_array(&pk, v->n_members);
        for (size_t i = 0; i < v->n_members; i++) {
            const dht_member_t *m = &v->members[i];
            int msg = v->kind == DHT_KIND_BUNDLE_MESSAGE;
            msgpack_pack_array(&pk, msg ? 5 : 2);
            pack_str(&pk, m->message_id);
            msgpack_pack_uint64(&pk, m->at);
            if (msg) {
                pack_str(&pk, m->sender);
                pack_str(&pk, m->recipient);
                pack_bin(&pk, m->payload, m->payload_len);
            }
        }
        break;
    default: /* SUMMARY */
        pack_str(&pk, v->mailbox);
        msgpack_pack_uint64(&pk, v->day);
        pack_bin(&pk, v->writer_id, DHT_WRITER_ID_BYTES);
        msgpack_pack_uint64(&pk, v->counter);
        msgpack_pack_array(&pk, v->n_entries);
        for (size_t i = 0; i < v->n_entries; i++) {
            msgpack_pack_array(&pk, 3);
            msgpack_pack_uint8(&pk, v->entries[i].shard);
            msgpack_pack_uint32(&pk, v->entries[i].count);
            msgpack_pack_uint64(&pk, v->entries[i].xor_ids);
        }
        break;
    }
    if (!sb.data) {
        msgpack_sbuffer_destroy(&sb);
        return DNASYNC_ENOMEM;
    }
    if (sb.size > DHT_VALUE_MAX_BYTES) {
        msgpack_sbuffer_destroy(&sb);
        return DNASYNC_ETOOBIG;
    }
    *out_len = sb.size;
    *out = (uint8_t *)msgpack_sbuffer_release(&sb);
    return DNASYNC_OK;
}

int dht_value_encode(const dht_value_t *v, uint8_t **out, size_t *out_len)
{
    if (!v || !out || !out_len)
        return DNASYNC_EINVAL;
    return encode_sig(v, v->sig, out, out_len);
}

int dht_value_signing_bytes(const dht_value_t *v, uint8_t **out, size_t *out_len)
{
    if (!v || !out || !out_len)
        return DNASYNC_EINVAL;
    static const uint8_t zero[DNASYNC_SIGN_BYTES];
    uint8_t *enc;
    size_t n;
    int rc = encode_sig(v, zero, &enc, &n);
    if (rc)
        return rc;
    uint8_t *buf = malloc(sizeof SIGN_TAG + n);
    if (!buf) {
        free(enc);
        return DNASYNC_ENOMEM;
    }
    memcpy(buf, SIGN_TAG, sizeof SIGN_TAG);
    memcpy(buf + sizeof SIGN_TAG, enc, n);
    free(enc);
    *out = buf;
    *out_len = sizeof SIGN_TAG + n;
    return DNASYNC_OK;
}

int dht_value_sign_key(dht_value_t *v, const dnasync_sign_key_t *key)
{
    const uint8_t *pk = dnasync_sign_key_public(key);
    if (!v || !pk)
        return DNASYNC_EINVAL;
    v->sig_scheme = DNASYNC_SIGN_SCHEME_ED25519;
    memcpy(v->author_pk, pk, DNASYNC_SIGN_PK_BYTES);
    if (v->kind == DHT_KIND_IDENTITY)
        memcpy(v->signing_pk, v->author_pk, DNASYNC_SIGN_PK_BYTES);
    uint8_t *msg;
    size_t n;
    int rc = dht_value_signing_bytes(v, &msg, &n);
    if (rc)
        return rc;
    rc = dnasync_sign_with(key, v->sig, msg, n);
    free(msg);
    return rc ? DNASYNC_ECRYPTO : DNASYNC_OK;
}

int dht_value_sign(dht_value_t *v, const uint8_t sk[DNASYNC_SIGN_SK_BYTES])
{
    if (!v || !sk)
        return DNASYNC_EINVAL;
    /* one key for the public key and the signature (each build derives the public key) */
    dnasync_sign_key_t *key = NULL;
    int rc = dnasync_sign_key_new(sk, &key);
    if (rc == DNASYNC_ENOMEM)
        return rc;
    rc = rc ? DNASYNC_ECRYPTO : dht_value_sign_key(v, key);
    dnasync_sign_key_free(key);
    return rc;
}

int dht_value_verify(const dht_value_t *v)
{
    if (!v || v->sig_scheme != DNASYNC_SIGN_SCHEME_ED25519)
        return DNASYNC_EAUTH;
    if (v->kind == DHT_KIND_IDENTITY &&
        memcmp(v->signing_pk, v->author_pk, DNASYNC_SIGN_PK_BYTES) != 0)
        return DNASYNC_EAUTH;
    uint8_t *msg;
    size_t n;
    if (dht_value_signing_bytes(v, &msg, &n) != 0)
        return DNASYNC_EAUTH;
    int rc = dnasync_sign_verify(v->author_pk, msg, n, v->sig);
    free(msg);
    return rc == 0 ? DNASYNC_OK : DNASYNC_EAUTH;
}

static uint64_t be64(const uint8_t *b)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | b[i];
    return x;
}

uint64_t dht_message_value_id(const char *id)
{
    uint8_t b[8];
    if (!id || strlen(id) != DNASYNC_ID_HEX_LEN)
        return 0;
    char head[17];
    memcpy(head, id, 16);
    head[16] = '\0';
    if (dnasync_hex_decode(head, b, 8) != 0)
        return 0;
    uint64_t x = be64(b);
    return x ? x : 1;
}

static uint64_t name_id(const char *buf, int n)
{
    if (n <= 0 || (size_t)n >= 256)
        return 0;
    uint8_t h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)buf, (size_t)n, h);
    uint64_t x = be64(h);
    return x ? x : 1;
}

uint64_t dht_summary_value_id(const char *mailbox, uint64_t day,
                              const uint8_t writer_id[DHT_WRITER_ID_BYTES],
                              const uint8_t author_pk[DNASYNC_SIGN_PK_BYTES])
{
    if (!mailbox || !writer_id || !author_pk)
        return 0;
    char buf[256], w[2 * DHT_WRITER_ID_BYTES + 1], a[2 * DNASYNC_SIGN_PK_BYTES + 1];
    dnasync_hex_encode(writer_id, DHT_WRITER_ID_BYTES, w);
    dnasync_hex_encode(author_pk, DNASYNC_SIGN_PK_BYTES, a);
    return name_id(buf, snprintf(buf, sizeof buf, "dnasync/1/sum/%s/%llu/%s/%s", mailbox,
                                 (unsigned long long)day, w, a));
}

/* A bundle's id: its signed content, hashed (the signature itself is deterministic). */
static uint64_t bundle_id(const dht_value_t *v)
{
    uint8_t *msg, h[SHA256_DIGEST_LENGTH];
    size_t n;
    if (dht_value_signing_bytes(v, &msg, &n) != 0)
        return 0;
    SHA256(msg, n, h);
    free(msg);
    uint64_t x = be64(h);
    return x ? x : 1;
}

uint64_t dht_value_id(const dht_value_t *v)
{
    if (!v || !validate(v))
        return 0;
    if (DHT_KIND_IS_BUNDLE(v->kind))
        return bundle_id(v);
    char buf[256];
    int n;
    switch (v->kind) {
    case DHT_KIND_MESSAGE: return dht_message_value_id(v->message_id);
    case DHT_KIND_TOMBSTONE: {
        /* its own id, never the message's: both coexist, and each summary counts distinct ids */
        /* and the writing device's: two devices deleting in the same second are two values,
         * each counted by its own device's summary */
        char a[2 * DNASYNC_SIGN_PK_BYTES + 1], w[2 * DHT_WRITER_ID_BYTES + 1];
        dnasync_hex_encode(v->author_pk, DNASYNC_SIGN_PK_BYTES, a);
        dnasync_hex_encode(v->writer_id, DHT_WRITER_ID_BYTES, w);
        n = snprintf(buf, sizeof buf, "dnasync/1/tomb/%s/%llu/%s/%s", v->message_id,
                     (unsigned long long)v->deleted_at, a, w);
        break;
    }
    case DHT_KIND_RECEIPT: {
        char a[2 * DNASYNC_SIGN_PK_BYTES + 1], w[2 * DHT_WRITER_ID_BYTES + 1];
        dnasync_hex_encode(v->author_pk, DNASYNC_SIGN_PK_BYTES, a);
        dnasync_hex_encode(v->writer_id, DHT_WRITER_ID_BYTES, w);
        n = snprintf(buf, sizeof buf, "dnasync/1/read/%s/%llu/%s/%s", v->message_id,
                     (unsigned long long)v->read_at, a, w);
        break;
    }
    case DHT_KIND_IDENTITY: {
        /* one id per key: every key's claim on a name is kept side by side (docs/trust.md) */
        char a[2 * DNASYNC_SIGN_PK_BYTES + 1];
        dnasync_hex_encode(v->author_pk, DNASYNC_SIGN_PK_BYTES, a);
        n = snprintf(buf, sizeof buf, "dnasync/1/id/%s/%s", v->name, a);
        break;
    }
    default: return dht_summary_value_id(v->mailbox, v->day, v->writer_id, v->author_pk);
    }
    return name_id(buf, n);
}

void dht_value_clear(dht_value_t *v)
{
    if (!v)
        return;
    free(v->sender);
    free(v->recipient);
    free(v->payload);
    free(v->owner);
    free(v->name);
    for (size_t i = 0; v->devices && i < v->n_devices; i++)
        free(v->devices[i]);
    free(v->devices);
    free(v->mailbox);
    free(v->entries);
    for (size_t i = 0; v->members && i < v->n_members; i++) {
        free(v->members[i].sender);
        free(v->members[i].recipient);
        free(v->members[i].payload);
    }
    free(v->members);
    memset(v, 0, sizeof *v);
}

/* ---- strict reader ---- */

typedef struct rd {
    const uint8_t *p;
    size_t left;
    int bad;
} rd_t;

static int take(rd_t *r, size_t n, const uint8_t **out)
{
    if (r->bad || n > r->left) {
        r->bad = 1;
        return -1;
    }
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 0;
}

static uint64_t rd_be(rd_t *r, size_t n)
{
    const uint8_t *b;
    if (take(r, n, &b))
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | b[i];
    return x;
}

static uint64_t rd_uint(rd_t *r, uint64_t max)
{
    const uint8_t *t;
    if (take(r, 1, &t))
        return 0;
    uint64_t x;
    if (*t <= 0x7f)
        x = *t;
    else if (*t == 0xcc)
        x = rd_be(r, 1);
    else if (*t == 0xcd)
        x = rd_be(r, 2);
    else if (*t == 0xce)
        x = rd_be(r, 4);
    else if (*t == 0xcf)
        x = rd_be(r, 8);
    else {
        r->bad = 1;
        return 0;
    }
    if (x > max)
        r->bad = 1;
    return r->bad ? 0 : x;
}

static size_t rd_array(rd_t *r)
{
    const uint8_t *t;
    if (take(r, 1, &t))
        return 0;
    size_t n;
    if ((*t & 0xf0) == 0x90)
        n = *t & 0x0f;
    else if (*t == 0xdc)
        n = (size_t)rd_be(r, 2);
    else if (*t == 0xdd)
        n = (size_t)rd_be(r, 4);
    else {
        r->bad = 1;
        return 0;
    }
    if (n > r->left) /* every element takes at least one byte */
        r->bad = 1;
    return r->bad ? 0 : n;
}

/* A str (is_str) or bin of at most max bytes; returns a pointer into the input. */
static const uint8_t *rd_blob(rd_t *r, int is_str, size_t max, size_t *len)
{
    const uint8_t *t, *b = NULL;
    *len = 0;
    if (take(r, 1, &t))
        return NULL;
    size_t n;
    if (is_str && (*t & 0xe0) == 0xa0)
        n = *t & 0x1f;
    else if (*t == (is_str ? 0xd9 : 0xc4))
        n = (size_t)rd_be(r, 1);
    else if (*t == (is_str ? 0xda : 0xc5))
        n = (size_t)rd_be(r, 2);
    else if (*t == (is_str ? 0xdb : 0xc6))
        n = (size_t)rd_be(r, 4);
    else {
        r->bad = 1;
        return NULL;
    }
    if (r->bad || n > max || take(r, n, &b)) {
        r->bad = 1;
        return NULL;
    }
    *len = n;
    return b;
}

static void rd_fixed(rd_t *r, uint8_t *dst, size_t n)
{
    size_t len;
    const uint8_t *b = rd_blob(r, 0, n, &len);
    if (!b || len != n) {
        r->bad = 1;
        return;
    }
    memcpy(dst, b, n);
}

/* NUL-terminated malloc'd copy of a str; sets *oom on allocation failure. */
static char *rd_str(rd_t *r, size_t max, int *oom)
{
    size_t len;
    const uint8_t *b = rd_blob(r, 1, max, &len);
    if (!b && r->bad)
        return NULL;
    char *s = malloc(len + 1);
    if (!s) {
        *oom = 1;
        r->bad = 1;
        return NULL;
    }
    if (len)
        memcpy(s, b, len);
    s[len] = '\0';
    if (strlen(s) != len) /* embedded NUL */
        r->bad = 1;
    return s;
}

static void rd_str_into(rd_t *r, char *dst, size_t exact)
{
    size_t len;
    const uint8_t *b = rd_blob(r, 1, exact, &len);
    if (!b || len != exact) {
        r->bad = 1;
        return;
    }
    memcpy(dst, b, exact);
    dst[exact] = '\0';
}

/* A malloc'd copy of a bin of at most max bytes (never NULL when it succeeds). */
static uint8_t *rd_bin_copy(rd_t *r, size_t max, size_t *len, int *oom)
{
    const uint8_t *b = rd_blob(r, 0, max, len);
    if (r->bad)
        return NULL;
    uint8_t *p = malloc(*len ? *len : 1);
    if (!p) {
        *oom = 1;
        r->bad = 1;
        return NULL;
    }
    if (*len)
        memcpy(p, b, *len);
    return p;
}

static int decode_bundle(rd_t *r, dht_value_t *v, int *oom)
{
    v->mailbox = rd_str(r, DNASYNC_NAME_MAX, oom);
    v->day = rd_uint(r, (uint64_t)INT64_MAX);
    v->shard = (uint8_t)rd_uint(r, DNASYNC_DHT_SHARDS - 1);
    rd_fixed(r, v->writer_id, DHT_WRITER_ID_BYTES);
    size_t nm = rd_array(r);
    if (r->bad || nm == 0 || nm > DHT_MAX_BUNDLE_MEMBERS)
        return -1;
    v->members = calloc(nm, sizeof *v->members);
    if (!v->members) {
        *oom = 1;
        return -1;
    }
    v->n_members = nm;
    int msg = v->kind == DHT_KIND_BUNDLE_MESSAGE;
    for (size_t i = 0; i < nm && !r->bad; i++) {
        dht_member_t *m = &v->members[i];
        if (rd_array(r) != (size_t)(msg ? 5 : 2)) {
            r->bad = 1;
            break;
        }
        rd_str_into(r, m->message_id, DNASYNC_ID_HEX_LEN);
        m->at = rd_uint(r, (uint64_t)INT64_MAX);
        if (msg) {
            m->sender = rd_str(r, DNASYNC_NAME_MAX, oom);
            m->recipient = rd_str(r, DNASYNC_NAME_MAX, oom);
            m->payload = rd_bin_copy(r, DHT_VALUE_MAX_BYTES, &m->payload_len, oom);
        }
    }
    return r->bad ? -1 : 0;
}

static int decode_fields(rd_t *r, dht_value_t *v, int *oom)
{
    size_t n = rd_array(r);
    if (r->bad || n < 6)
        return -1;
    v->version = (uint8_t)rd_uint(r, 255);
    v->kind = (uint8_t)rd_uint(r, 255);
    if (r->bad ||
        v->version != (DHT_KIND_IS_BUNDLE(v->kind) ? DHT_BUNDLE_FORMAT : DHT_VALUE_FORMAT))
        return -1;
    size_t want = v->kind == DHT_KIND_SUMMARY || DHT_KIND_IS_BUNDLE(v->kind)   ? 11
                  : v->kind >= DHT_KIND_MESSAGE && v->kind <= DHT_KIND_RECEIPT ? 10
                                                                               : 0;
    if (n != want)
        return -1;
    v->created_at = rd_uint(r, (uint64_t)INT64_MAX);
    rd_fixed(r, v->author_pk, DNASYNC_SIGN_PK_BYTES);
    v->sig_scheme = (uint8_t)rd_uint(r, 255);
    rd_fixed(r, v->sig, DNASYNC_SIGN_BYTES);
    switch (v->kind) {
    case DHT_KIND_MESSAGE: {
        rd_str_into(r, v->message_id, DNASYNC_ID_HEX_LEN);
        v->sender = rd_str(r, DNASYNC_NAME_MAX, oom);
        v->recipient = rd_str(r, DNASYNC_NAME_MAX, oom);
        size_t len;
        const uint8_t *b = rd_blob(r, 0, DHT_VALUE_MAX_BYTES, &len);
        if (r->bad)
            return -1;
        v->payload = malloc(len ? len : 1);
        if (!v->payload) {
            *oom = 1;
            return -1;
        }
        if (len)
            memcpy(v->payload, b, len);
        v->payload_len = len;
        break;
    }
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT: {
        rd_str_into(r, v->message_id, DNASYNC_ID_HEX_LEN);
        uint64_t at = rd_uint(r, (uint64_t)INT64_MAX);
        *(v->kind == DHT_KIND_RECEIPT ? &v->read_at : &v->deleted_at) = at;
        v->owner = rd_str(r, DNASYNC_NAME_MAX, oom);
        rd_fixed(r, v->writer_id, DHT_WRITER_ID_BYTES);
        break;
    }
    case DHT_KIND_IDENTITY: {
        v->name = rd_str(r, DNASYNC_NAME_MAX, oom);
        rd_fixed(r, v->signing_pk, DNASYNC_SIGN_PK_BYTES);
        rd_fixed(r, v->kem_pk, DHT_KEM_PK_BYTES);
        size_t nd = rd_array(r);
        if (r->bad || nd > DHT_MAX_DEVICES)
            return -1;
        if (nd) {
            v->devices = calloc(nd, sizeof *v->devices);
            if (!v->devices) {
                *oom = 1;
                return -1;
            }
            v->n_devices = nd;
            for (size_t i = 0; i < nd && !r->bad; i++)
                v->devices[i] = rd_str(r, DNASYNC_DEVICE_ID_LEN, oom);
        }
        break;
    }
    case DHT_KIND_BUNDLE_MESSAGE:
    case DHT_KIND_BUNDLE_TOMBSTONE:
    case DHT_KIND_BUNDLE_RECEIPT: return decode_bundle(r, v, oom);
    default: { /* SUMMARY */
        v->mailbox = rd_str(r, DNASYNC_NAME_MAX, oom);
        v->day = rd_uint(r, (uint64_t)INT64_MAX);
        rd_fixed(r, v->writer_id, DHT_WRITER_ID_BYTES);
        v->counter = rd_uint(r, UINT64_MAX);
        size_t ne = rd_array(r);
        if (r->bad || ne > DHT_MAX_SUMMARY_ENTRIES)
            return -1;
        if (ne) {
            v->entries = calloc(ne, sizeof *v->entries);
            if (!v->entries) {
                *oom = 1;
                return -1;
            }
            v->n_entries = ne;
            for (size_t i = 0; i < ne && !r->bad; i++) {
                if (rd_array(r) != 3) {
                    r->bad = 1;
                    break;
                }
                v->entries[i].shard = (uint8_t)rd_uint(r, DNASYNC_DHT_SHARDS - 1);
                v->entries[i].count = (uint32_t)rd_uint(r, UINT32_MAX);
                v->entries[i].xor_ids = rd_uint(r, UINT64_MAX);
            }
        }
        break;
    }
    }
    return r->bad ? -1 : 0;
}

int dht_value_decode(const uint8_t *buf, size_t len, dht_value_t *out)
{
    if (!out)
        return DNASYNC_EINVAL;
    memset(out, 0, sizeof *out);
    if (!buf)
        return DNASYNC_EINVAL;
    if (len > DHT_VALUE_MAX_BYTES)
        return DNASYNC_ETOOBIG;
    rd_t r = {buf, len, 0};
    int oom = 0;
    if (decode_fields(&r, out, &oom) != 0 || r.left != 0 || !validate(out))
        return oom ? DNASYNC_ENOMEM : DNASYNC_ECORRUPT;
    /* canonical form: the same bytes again */
    uint8_t *re;
    size_t relen;
    int rc = dht_value_encode(out, &re, &relen);
    if (rc == DNASYNC_ENOMEM)
        return rc;
    int same = rc == 0 && relen == len && memcmp(re, buf, len) == 0;
    free(re);
    return same ? DNASYNC_OK : DNASYNC_ECORRUPT;
}
