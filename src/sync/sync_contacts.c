/* Resolving names to keys from the identity records on the DHT (this identity's own record is
 * published by sync_identity.c).
 *
 * A record on the DHT is a claim, not a proof: anyone can sign one for any name, and its
 * created_at is whatever its author wrote. So a key is never chosen by a claimed time. A name is
 * resolved from, in order: this identity itself; this device's pin (cache copy, then the pin
 * store); the DHT, where exactly one claiming key is pinned on first use, several are an error
 * naming each, and a fingerprint prefix ("carol#8af99795") chooses one (docs/trust.md). */
#define _POSIX_C_SOURCE 200809L
#include "common/hex.h"
#include "common/names.h"
#include "crypto/fingerprint.h"
#include "crypto/mlkem.h"
#include "dnasync/identity.h"
#include "sync/contacts.h"
#include "sync/sync_context.h"
#include "sync/sync_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_META "identity:"
#define KEYS_LEN (32 + MLKEM512_EK_BYTES)

typedef struct claim {
    uint8_t keys[KEYS_LEN]; /* Ed25519 public key, then the ML-KEM-512 ek */
    uint8_t fp[DNASYNC_FP_BYTES];
    uint64_t claimed_at; /* earliest self-declared created_at of this key's records */
} claim_t;

typedef struct claims {
    sync_context_t *ctx;
    const char *name;
    claim_t c[SYNC_MAX_CLAIMS];
    size_t n, more; /* more: distinct keys beyond SYNC_MAX_CLAIMS */
} claims_t;

static int on_identity(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    (void)vid;
    claims_t *cl = user;
    dht_value_t v;
    memset(&v, 0, sizeof v);
    if (dht_value_decode(val, len, &v) != 0 || v.kind != DHT_KIND_IDENTITY ||
        dht_value_verify(&v) != 0 || strcmp(v.name, cl->name) != 0 ||
        mlkem512_check_ek(v.kem_pk, DHT_KEM_PK_BYTES) != 0) {
        cl->ctx->rejected++;
        dht_value_clear(&v);
        return 0;
    }
    uint8_t keys[KEYS_LEN];
    memcpy(keys, v.signing_pk, 32);
    memcpy(keys + 32, v.kem_pk, MLKEM512_EK_BYTES);
    size_t i = 0;
    while (i < cl->n && memcmp(cl->c[i].keys, keys, KEYS_LEN) != 0)
        i++;
    if (i < cl->n) { /* the same key again (a re-publication) */
        if (v.created_at < cl->c[i].claimed_at)
            cl->c[i].claimed_at = v.created_at;
    } else if (cl->n == SYNC_MAX_CLAIMS) {
        cl->more++;
    } else if (dnasync_fingerprint(v.signing_pk, v.kem_pk, cl->c[cl->n].fp) == 0) {
        memcpy(cl->c[cl->n].keys, keys, KEYS_LEN);
        cl->c[cl->n].claimed_at = v.created_at;
        cl->n++;
    }
    dht_value_clear(&v);
    return 0;
}

static int get_claims(sync_context_t *ctx, const char *name, claims_t *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->ctx = ctx;
    cl->name = name;
    if (!ctx->net)
        return dnasync_err_set(&ctx->err, DNASYNC_EDHT, "identity '%s' unknown and offline", name);
    uint8_t k[DNASYNC_DHT_KEY_BYTES];
    int rc = net_key_id(name, k);
    return rc != 0 ? rc : net_get(ctx, k, on_identity, cl);
}

/* "8af99795aa01bc3d (self-dated 2026-12-01, 3 days ago)" */
static void describe(sync_context_t *ctx, const claim_t *c, char *out, size_t len)
{
    char hex[DNASYNC_FP_HEX_LEN + 1], date[32] = "?";
    dnasync_fingerprint_hex(c->fp, hex);
    time_t t = (time_t)c->claimed_at;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    uint64_t now = dnasync_env_now(ctx->env);
    if (c->claimed_at <= now)
        snprintf(out, len, "%.16s (self-dated %s, %llu days ago)", hex, date,
                 (unsigned long long)((now - c->claimed_at) / DNASYNC_DAY_S));
    else
        snprintf(out, len, "%.16s (self-dated %s, in the future)", hex, date);
}

/* "N keys claim ...: a, b, c" into ctx->err with code. */
static int list_error(sync_context_t *ctx, int code, const char *head, const claims_t *cl,
                      const char *tail)
{
    char buf[1536];
    size_t pos = (size_t)snprintf(buf, sizeof buf, "%s", head);
    for (size_t i = 0; i < cl->n && pos < sizeof buf; i++) {
        char one[128];
        describe(ctx, &cl->c[i], one, sizeof one);
        pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "%s%s", i ? ", " : " ", one);
    }
    if (cl->more && pos < sizeof buf)
        pos += (size_t)snprintf(buf + pos, sizeof buf - pos, " and %zu more", cl->more);
    if (pos < sizeof buf)
        snprintf(buf + pos, sizeof buf - pos, "%s", tail);
    return dnasync_err_set(&ctx->err, code, "%s", buf);
}

static int use_keys(sync_context_t *ctx, const uint8_t keys[KEYS_LEN], const char *prefix,
                    const char *name, uint8_t sign_pk[32], uint8_t *kem_ek)
{
    if (prefix && *prefix) {
        uint8_t fp[DNASYNC_FP_BYTES];
        char hex[DNASYNC_FP_HEX_LEN + 1];
        if (dnasync_fingerprint(keys, keys + 32, fp) != 0)
            return dnasync_err_set(&ctx->err, DNASYNC_ECRYPTO, "cannot compute a fingerprint");
        dnasync_fingerprint_hex(fp, hex);
        if (!dnasync_fingerprint_matches(fp, prefix))
            return dnasync_err_set(&ctx->err, DNASYNC_EAUTH,
                                   "'%s' is pinned to the key with fingerprint %s, not %s; "
                                   "refusing (a pinned contact's key never changes)",
                                   name, hex, prefix);
    }
    memcpy(sign_pk, keys, 32);
    if (kem_ek)
        memcpy(kem_ek, keys + 32, MLKEM512_EK_BYTES);
    return DNASYNC_OK;
}

/* The keys this device pinned for name, from the cache copy: 1 found, 0 not. */
static int cached_keys(sync_context_t *ctx, const char *name, uint8_t keys[KEYS_LEN])
{
    char key[sizeof ID_META + DNASYNC_NAME_MAX], *hex = NULL;
    snprintf(key, sizeof key, ID_META "%s", name);
    int found = dnasync_cache_meta_get(ctx->cache, key, &hex) == 0 && hex &&
                dnasync_hex_decode(hex, keys, KEYS_LEN) == 0;
    free(hex);
    return found;
}

/* Pin claim c for name: the pin store (refuses a changed key), then the cache copy. */
static int pin_claim(sync_context_t *ctx, const char *name, const claim_t *c)
{
    char why[512] = "";
    if (ctx->home &&
        dnasync_pin_check_or_add(ctx->home, name, c->keys, c->keys + 32, why, sizeof why) != 0)
        return dnasync_err_set(&ctx->err, DNASYNC_EAUTH, "%s", why);
    char key[sizeof ID_META + DNASYNC_NAME_MAX], hex[2 * KEYS_LEN + 1];
    snprintf(key, sizeof key, ID_META "%s", name);
    dnasync_hex_encode(c->keys, KEYS_LEN, hex);
    return dnasync_cache_meta_set(ctx->cache, key, hex) == 0 ? DNASYNC_OK : sync_cache_fail(ctx);
}

/* Choose among the DHT's claims for an unpinned name (or the pin store's key). */
static int choose(sync_context_t *ctx, const char *name, const char *prefix, const claims_t *cl,
                  size_t *pick)
{
    char head[256], tail[256];
    dnasync_pin_t pin;
    char why[512] = "";
    int prc =
        ctx->home ? dnasync_pin_lookup(ctx->home, name, &pin, why, sizeof why) : DNASYNC_ENOTFOUND;
    if (prc != 0 && prc != DNASYNC_ENOTFOUND)
        return dnasync_err_set(&ctx->err, prc, "%s", why);
    if (prc == 0) { /* pinned on this device (the cache lost its copy): only that key */
        for (size_t i = 0; i < cl->n; i++)
            if (memcmp(cl->c[i].fp, pin.fingerprint, DNASYNC_FP_BYTES) == 0) {
                *pick = i;
                return DNASYNC_OK;
            }
        char hex[DNASYNC_FP_HEX_LEN + 1];
        dnasync_fingerprint_hex(pin.fingerprint, hex);
        if (cl->n == 0)
            return dnasync_err_set(&ctx->err, DNASYNC_ENOTFOUND,
                                   "no identity record for '%s' (pinned %.16s) on the DHT", name,
                                   hex);
        snprintf(head, sizeof head, "identity key for '%s' changed: pinned %.16s, the DHT has",
                 name, hex);
        return list_error(ctx, DNASYNC_EAUTH, head, cl, " \xe2\x80\x94 refusing");
    }
    size_t n = 0;
    for (size_t i = 0; i < cl->n; i++)
        if (!*prefix || dnasync_fingerprint_matches(cl->c[i].fp, prefix)) {
            *pick = i;
            n++;
        }
    if (n == 1)
        return DNASYNC_OK;
    if (cl->n == 0)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOTFOUND,
                               "no identity '%s' on the DHT (has it been initialised and synced?)",
                               name);
    if (n == 0) {
        snprintf(head, sizeof head,
                 "no key claiming '%s' has a fingerprint starting %s; claims:", name, prefix);
        return list_error(ctx, DNASYNC_ENOTFOUND, head, cl, "");
    }
    if (*prefix) {
        snprintf(head, sizeof head, "fingerprint prefix %s of '%s' is ambiguous; claims:", prefix,
                 name);
        return list_error(ctx, DNASYNC_EEXIST, head, cl, "; give more digits");
    }
    snprintf(head, sizeof head,
             "%zu keys claim the name '%s' on the DHT and none is pinned on this device:",
             cl->n + cl->more, name);
    snprintf(tail, sizeof tail,
             ". A name on the DHT proves nothing: ask %s for the fingerprint (dnasync contacts) "
             "and address the key as %s#FINGERPRINT (at least %d hex digits)",
             name, name, DNASYNC_FP_PREFIX_MIN);
    return list_error(ctx, DNASYNC_EEXIST, head, cl, tail);
}

int sv_resolve(sync_context_t *ctx, const char *name, const char *prefix, uint8_t sign_pk[32],
               uint8_t *kem_ek)
{
    if (!prefix)
        prefix = "";
    uint8_t keys[KEYS_LEN];
    if (strcmp(name, ctx->identity) == 0) {
        memcpy(keys, ctx->id->sign_pk, 32);
        memcpy(keys + 32, ctx->id->kem_ek, MLKEM512_EK_BYTES);
        return use_keys(ctx, keys, prefix, name, sign_pk, kem_ek);
    }
    if (cached_keys(ctx, name, keys))
        return use_keys(ctx, keys, prefix, name, sign_pk, kem_ek);
    claims_t *cl = malloc(sizeof *cl);
    if (!cl)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    size_t pick = 0;
    int rc = get_claims(ctx, name, cl);
    if (rc == 0)
        rc = choose(ctx, name, prefix, cl, &pick);
    if (rc == 0)
        rc = pin_claim(ctx, name, &cl->c[pick]);
    if (rc == 0)
        rc = use_keys(ctx, cl->c[pick].keys, prefix, name, sign_pk, kem_ek);
    free(cl);
    return rc;
}

int sv_resolve_kem_key(sync_context_t *ctx, const char *name, uint8_t **ek)
{
    uint8_t pk[32];
    *ek = malloc(MLKEM512_EK_BYTES);
    if (!*ek)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    int rc = sv_resolve(ctx, name, NULL, pk, *ek);
    if (rc != 0) {
        free(*ek);
        *ek = NULL;
    }
    return rc;
}

/* --- the public contact API --- */

int sync_contact_parse(const char *address, char name[DNASYNC_NAME_MAX + 1], char prefix[65],
                       char *errbuf, size_t errlen)
{
    const char *hash = address ? strchr(address, '#') : NULL;
    size_t nlen = hash ? (size_t)(hash - address) : address ? strlen(address) : 0;
    char why[256];
    if (dnasync_name_check_n(address ? address : "", nlen, why, sizeof why) != 0) {
        snprintf(errbuf, errlen, "bad contact '%s': %s", address ? address : "", why);
        return DNASYNC_EINVAL;
    }
    memcpy(name, address, nlen);
    name[nlen] = '\0';
    prefix[0] = '\0';
    if (!hash)
        return DNASYNC_OK;
    if (dnasync_fingerprint_prefix_check(hash + 1, why, sizeof why) != 0) {
        snprintf(errbuf, errlen, "bad contact '%s': %s", address, why);
        return DNASYNC_EINVAL;
    }
    strcpy(prefix, hash + 1);
    return DNASYNC_OK;
}

int sync_contact_pin(sync_context_t *ctx, const char *address, char name[DNASYNC_NAME_MAX + 1])
{
    char prefix[65], why[512];
    int rc = sync_contact_parse(address, name, prefix, why, sizeof why);
    if (rc != 0)
        return dnasync_err_set(&ctx->err, rc, "%s", why);
    if (!ctx->id)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "no identity keys set");
    uint8_t pk[32];
    pthread_mutex_lock(&ctx->lock);
    rc = sv_resolve(ctx, name, prefix, pk, NULL);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

int sync_name_claims(sync_context_t *ctx, const char *name, sync_claim_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char why[256];
    if (dnasync_name_check(name, why, sizeof why) != 0)
        return dnasync_err_set(&ctx->err, DNASYNC_EINVAL, "%s", why);
    claims_t *cl = malloc(sizeof *cl);
    if (!cl)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    pthread_mutex_lock(&ctx->lock);
    int rc = get_claims(ctx, name, cl);
    pthread_mutex_unlock(&ctx->lock);
    if (rc == 0 && cl->n) {
        *out = calloc(cl->n, sizeof **out);
        if (!*out)
            rc = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        for (size_t i = 0; *out && i < cl->n; i++) {
            memcpy((*out)[i].fingerprint, cl->c[i].fp, DNASYNC_FP_BYTES);
            (*out)[i].claimed_at = cl->c[i].claimed_at;
        }
        if (*out)
            *n = cl->n;
    }
    free(cl);
    return rc;
}

int sync_claim_served(sync_context_t *ctx, const char *name, const uint8_t sign_pk[32],
                      const uint8_t *kem_ek)
{
    claims_t *cl = malloc(sizeof *cl);
    if (!cl)
        return 0;
    uint8_t keys[KEYS_LEN];
    memcpy(keys, sign_pk, 32);
    memcpy(keys + 32, kem_ek, MLKEM512_EK_BYTES);
    int served = 0;
    if (get_claims(ctx, name, cl) == 0)
        for (size_t i = 0; i < cl->n && !served; i++)
            served = memcmp(cl->c[i].keys, keys, KEYS_LEN) == 0;
    free(cl);
    return served;
}
