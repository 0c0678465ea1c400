/* Multi-recipient envelope, version 1 (docs/envelope.md). */
#include "crypto/envelope.h"

#include "common/err.h"
#include "common/hex.h"
#include "crypto/mlkem.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEM_EK 800
#define KEM_DK 1632
#define KEM_CT 768
#define KEM_SS 32
#define KEY_ID 8
#define NONCE 12
#define TAG 16
#define CKEY 32

_Static_assert(MLKEM512_EK_BYTES == KEM_EK, "ML-KEM-512 ek size");
_Static_assert(MLKEM512_DK_BYTES == KEM_DK, "ML-KEM-512 dk size");
_Static_assert(MLKEM512_CT_BYTES == KEM_CT, "ML-KEM-512 ciphertext size");
_Static_assert(MLKEM512_SS_BYTES == KEM_SS, "ML-KEM-512 shared secret size");
_Static_assert(DNASYNC_ENVELOPE_SLOT_BYTES == KEY_ID + KEM_CT + NONCE + CKEY + TAG, "slot size");

/* Offsets inside one recipient slot. */
#define SLOT_KEY_ID 0
#define SLOT_KEM_CT (SLOT_KEY_ID + KEY_ID)
#define SLOT_NONCE (SLOT_KEM_CT + KEM_CT)
#define SLOT_WRAPPED (SLOT_NONCE + NONCE)
#define SLOT_TAG (SLOT_WRAPPED + CKEY)

static const char kdf_salt[] = "dnasync-envelope-v1"; /* 19 bytes, no NUL */
static const char kdf_label[] = "dnasync kwk";        /* 11 bytes, no NUL */

int dnasync_envelope_key_id(const uint8_t *ek, uint8_t id[KEY_ID])
{
    uint8_t h[32];
    if (!ek || !id)
        return DNASYNC_EINVAL;
    int rc = dnasync_sha3_256(ek, KEM_EK, h);
    if (rc == 0)
        memcpy(id, h, KEY_ID);
    return rc;
}

/* KWK = HKDF-SHA256(ikm = ss, salt = "dnasync-envelope-v1",
 *                   info = "dnasync kwk" || version || key_id || kem_ct), 32 bytes. */
static int derive_kwk(const uint8_t ss[KEM_SS], uint8_t version, const uint8_t key_id[KEY_ID],
                      const uint8_t kem_ct[KEM_CT], uint8_t kwk[32])
{
    uint8_t info[sizeof kdf_label - 1 + 1 + KEY_ID + KEM_CT];
    size_t n = 0;
    memcpy(info, kdf_label, sizeof kdf_label - 1);
    n += sizeof kdf_label - 1;
    info[n++] = version;
    memcpy(info + n, key_id, KEY_ID);
    n += KEY_ID;
    memcpy(info + n, kem_ct, KEM_CT);
    n += KEM_CT;
    return dnasync_hkdf_sha256(ss, KEM_SS, (const uint8_t *)kdf_salt, sizeof kdf_salt - 1, info, n,
                               kwk, 32);
}

int dnasync_envelope_seal(const uint8_t *const *recipient_eks, size_t n_recipients,
                          const uint8_t *aad, size_t aad_len, const uint8_t *body, size_t body_len,
                          const dnasync_env_t *env, uint8_t **out, size_t *out_len)
{
    if (!out || !out_len)
        return DNASYNC_EINVAL;
    *out = NULL;
    *out_len = 0;
    if (!recipient_eks || n_recipients == 0 || n_recipients > DNASYNC_ENVELOPE_MAX_RECIPIENTS ||
        (aad_len > 0 && !aad) || (body_len > 0 && !body))
        return DNASYNC_EINVAL;
    if (body_len > DNASYNC_ENVELOPE_MAX_BODY)
        return DNASYNC_ETOOBIG;

    /* Distinct recipients, in the order given (a key given twice gets one slot). */
    uint8_t ids[DNASYNC_ENVELOPE_MAX_RECIPIENTS][KEY_ID];
    const uint8_t *eks[DNASYNC_ENVELOPE_MAX_RECIPIENTS];
    size_t n = 0;
    for (size_t i = 0; i < n_recipients; i++) {
        uint8_t id[KEY_ID];
        if (!recipient_eks[i] || dnasync_envelope_key_id(recipient_eks[i], id) != 0)
            return DNASYNC_EINVAL;
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++) {
            if (memcmp(ids[j], id, KEY_ID) == 0) {
                if (memcmp(eks[j], recipient_eks[i], KEM_EK) != 0)
                    return DNASYNC_EINVAL; /* two different keys with one key id */
                dup = 1;
            }
        }
        if (!dup) {
            memcpy(ids[n], id, KEY_ID);
            eks[n++] = recipient_eks[i];
        }
    }

    size_t header = 2 + n * DNASYNC_ENVELOPE_SLOT_BYTES;
    size_t total = DNASYNC_ENVELOPE_SIZE(n, body_len);
    uint8_t *buf = malloc(total);
    if (!buf)
        return DNASYNC_ENOMEM;
    uint8_t ckey[CKEY], kwk[32], ss[KEM_SS];
    int rc = DNASYNC_OK;

    buf[0] = DNASYNC_ENVELOPE_VERSION;
    buf[1] = (uint8_t)n;
    if (dnasync_env_random(env, ckey, sizeof ckey) != 0) {
        rc = DNASYNC_ECRYPTO;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *slot = buf + 2 + i * DNASYNC_ENVELOPE_SLOT_BYTES;
        memcpy(slot + SLOT_KEY_ID, ids[i], KEY_ID);
        const dnasync_aad_t wrap_aad = {buf, 1, ids[i], KEY_ID}; /* version || key id */
        int kem = mlkem512_encaps(slot + SLOT_KEM_CT, ss, eks[i], KEM_EK, env);
        if (kem == DNASYNC_EINVAL) {
            rc = DNASYNC_EINVAL; /* not a valid ML-KEM-512 encapsulation key */
            goto done;
        }
        if (kem != 0 ||
            derive_kwk(ss, DNASYNC_ENVELOPE_VERSION, ids[i], slot + SLOT_KEM_CT, kwk) != 0 ||
            dnasync_env_random(env, slot + SLOT_NONCE, NONCE) != 0 ||
            dnasync_gcm_seal(kwk, slot + SLOT_NONCE, &wrap_aad, ckey, CKEY, slot + SLOT_WRAPPED,
                             slot + SLOT_TAG) != 0) {
            rc = DNASYNC_ECRYPTO;
            goto done;
        }
    }
    uint8_t *nonce = buf + header;
    if (dnasync_env_random(env, nonce, NONCE) != 0) {
        rc = DNASYNC_ECRYPTO;
        goto done;
    }
    /* Body AAD: every header byte (version, count, slots, body nonce) || caller's aad. */
    const dnasync_aad_t body_aad = {buf, header + NONCE, aad, aad_len};
    if (dnasync_gcm_seal(ckey, nonce, &body_aad, body, body_len, buf + header + NONCE,
                         buf + total - TAG) != 0)
        rc = DNASYNC_ECRYPTO;
done:
    OPENSSL_cleanse(ckey, sizeof ckey);
    OPENSSL_cleanse(kwk, sizeof kwk);
    OPENSSL_cleanse(ss, sizeof ss);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = total;
    return DNASYNC_OK;
}

int dnasync_envelope_open(const uint8_t *dk, const uint8_t *ek, const uint8_t *aad, size_t aad_len,
                          const uint8_t *env_bytes, size_t len, uint8_t **body, size_t *body_len,
                          char *errbuf, size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (!body || !body_len)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "envelope: no output pointer");
    *body = NULL;
    *body_len = 0;
    if (!dk || !ek || (aad_len > 0 && !aad) || (len > 0 && !env_bytes))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "envelope: missing key or input");
    if (len < 2)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "envelope truncated: %zu bytes, the header alone needs 2", len);
    if (env_bytes[0] != DNASYNC_ENVELOPE_VERSION)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "envelope version %u is not supported (this build reads version %d)",
                               env_bytes[0], DNASYNC_ENVELOPE_VERSION);
    size_t n = env_bytes[1];
    if (n == 0 || n > DNASYNC_ENVELOPE_MAX_RECIPIENTS)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "envelope claims %zu recipients (allowed 1..%d)", n,
                               DNASYNC_ENVELOPE_MAX_RECIPIENTS);
    size_t header = 2 + n * DNASYNC_ENVELOPE_SLOT_BYTES;
    size_t min = DNASYNC_ENVELOPE_SIZE(n, 0);
    if (len < min)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "envelope truncated: %zu bytes, %zu recipients need at least %zu",
                               len, n, min);
    size_t ct_len = len - min;
    if (ct_len > DNASYNC_ENVELOPE_MAX_BODY)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "envelope body of %zu bytes exceeds the %d-byte limit", ct_len,
                               DNASYNC_ENVELOPE_MAX_BODY);

    uint8_t my_id[KEY_ID];
    if (dnasync_envelope_key_id(ek, my_id) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "envelope: cannot hash the key");

    uint8_t ckey[CKEY], kwk[32], ss[KEM_SS];
    int found = 0, unwrapped = 0;
    for (size_t i = 0; i < n && !unwrapped; i++) {
        const uint8_t *slot = env_bytes + 2 + i * DNASYNC_ENVELOPE_SLOT_BYTES;
        if (!dnasync_ct_equal(slot + SLOT_KEY_ID, my_id, KEY_ID))
            continue;
        found = 1;
        const dnasync_aad_t wrap_aad = {env_bytes, 1, slot + SLOT_KEY_ID, KEY_ID};
        if (mlkem512_decaps(ss, dk, KEM_DK, slot + SLOT_KEM_CT, KEM_CT) == 0 &&
            derive_kwk(ss, env_bytes[0], slot + SLOT_KEY_ID, slot + SLOT_KEM_CT, kwk) == 0 &&
            dnasync_gcm_open(kwk, slot + SLOT_NONCE, &wrap_aad, slot + SLOT_WRAPPED, CKEY,
                             slot + SLOT_TAG, ckey) == 0)
            unwrapped = 1;
    }
    OPENSSL_cleanse(kwk, sizeof kwk);
    OPENSSL_cleanse(ss, sizeof ss);
    if (!found) {
        char hex[2 * KEY_ID + 1];
        dnasync_hex_encode(my_id, KEY_ID, hex);
        return dnasync_err_buf(
            errbuf, errlen, DNASYNC_ECRYPTO,
            "envelope is not addressed to this identity (key id %s is not among its %zu "
            "recipients)",
            hex, n);
    }
    if (!unwrapped)
        return dnasync_err_buf(
            errbuf, errlen, DNASYNC_ECRYPTO,
            "envelope key slot does not authenticate (tampered, or a different key with "
            "the same id)");

    uint8_t *out = malloc(ct_len > 0 ? ct_len : 1);
    if (!out) {
        OPENSSL_cleanse(ckey, sizeof ckey);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOMEM, "envelope: out of memory");
    }
    const dnasync_aad_t body_aad = {env_bytes, header + NONCE, aad, aad_len};
    int rc = dnasync_gcm_open(ckey, env_bytes + header, &body_aad, env_bytes + header + NONCE,
                              ct_len, env_bytes + len - TAG, out);
    OPENSSL_cleanse(ckey, sizeof ckey);
    if (rc != 0) {
        free(out);
        return dnasync_err_buf(
            errbuf, errlen, DNASYNC_ECRYPTO,
            "envelope does not authenticate (tampered, or different associated data)");
    }
    *body = out;
    *body_len = ct_len;
    return DNASYNC_OK;
}
