/* Link codes (docs/envelope.md, "Link codes"): "DNA1-" + base32 of
 *
 *   offset  size  field
 *   0       1     version = 2
 *   1       1     log2 N (scrypt)
 *   2       1     r
 *   3       1     p
 *   4       8     expires: Unix s, little-endian (after it, join refuses the code)
 *   12      16    salt
 *   28      12    AES-256-GCM nonce
 *   40      C     ciphertext of: L (1) || name (L) || master secret (32); C = 33 + L
 *   40+C    16    GCM tag (AAD = bytes 0..40, so the expiry cannot be moved)
 *   56+C    4     checksum: first 4 bytes of SHA-256(bytes 0 .. 56+C)
 *
 * key = scrypt(passphrase, salt, N, r, p, 32 bytes). The checksum (unkeyed) tells a damaged or
 * mistyped code from a wrong passphrase; the GCM tag is what authenticates. Version 1 (no
 * expiry) is refused: such a code would work forever. */
#define _POSIX_C_SOURCE 200809L
#include "crypto/base32.h"
#include "crypto/identity_int.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LC_VERSION 2
#define LC_EXP 4 /* offset of the expiry time */
#define LC_HDR 40
#define LC_SALT 16
#define LC_NONCE 12
#define LC_MAX_PT (1 + DNASYNC_NAME_MAX + DNASYNC_MASTER_BYTES)
#define LC_MAX (LC_HDR + LC_MAX_PT + 16 + 4)
#define LC_MIN (LC_HDR + 1 + 1 + DNASYNC_MASTER_BYTES + 16 + 4)
#define LC_R_DEFAULT 8
#define LC_P_DEFAULT 1

/* Refuses parameters that are absurd: too weak, or more than 256 MiB / 2^23 block-mixes. */
static int params_sane(unsigned log2_n, unsigned r, unsigned p)
{
    if (log2_n < DNASYNC_LINKCODE_LOG2N_MIN || log2_n > DNASYNC_LINKCODE_LOG2N_MAX || r < 1 ||
        r > 32 || p < 1 || p > 16)
        return 0;
    uint64_t n = (uint64_t)1 << log2_n;
    return 128u * r * n <= ((uint64_t)256 << 20) && n * r * p <= ((uint64_t)1 << 23);
}

static int kdf(const char *pass, const uint8_t salt[LC_SALT], unsigned log2_n, unsigned r,
               unsigned p, uint8_t key[32])
{
    uint64_t n = (uint64_t)1 << log2_n;
    uint64_t maxmem = 128u * (uint64_t)r * (n + 2) + 128u * (uint64_t)r * p + (1u << 20);
    return EVP_PBE_scrypt(pass, strlen(pass), salt, LC_SALT, n, r, p, maxmem, key, 32) == 1
               ? DNASYNC_OK
               : DNASYNC_ECRYPTO;
}

int dnasync_linkcode_make_valid(const dnasync_identity_t *id, const char *passphrase,
                                unsigned log2_n, uint32_t valid_s, const dnasync_env_t *env,
                                char **code_out)
{
    if (!code_out)
        return DNASYNC_EINVAL;
    *code_out = NULL;
    if (!id || !passphrase || strlen(passphrase) < DNASYNC_LINKCODE_PASSPHRASE_MIN || valid_s < 1 ||
        valid_s > DNASYNC_LINKCODE_VALID_MAX_S ||
        !params_sane(log2_n, LC_R_DEFAULT, LC_P_DEFAULT) || dnasync_id_name_ok(id->name, NULL, 0))
        return DNASYNC_EINVAL;
    uint64_t expires = dnasync_env_now(env) + valid_s;
    size_t l = strlen(id->name);
    size_t c = 1 + l + DNASYNC_MASTER_BYTES;
    size_t total = LC_HDR + c + 16 + 4;
    uint8_t buf[LC_MAX], pt[LC_MAX_PT], key[32], h[32];
    int rc = DNASYNC_ECRYPTO;
    buf[0] = LC_VERSION;
    buf[1] = (uint8_t)log2_n;
    buf[2] = LC_R_DEFAULT;
    buf[3] = LC_P_DEFAULT;
    for (int i = 0; i < 8; i++)
        buf[LC_EXP + i] = (uint8_t)(expires >> (8 * i));
    pt[0] = (uint8_t)l;
    memcpy(pt + 1, id->name, l);
    memcpy(pt + 1 + l, id->master, DNASYNC_MASTER_BYTES);
    const dnasync_aad_t aad = {buf, LC_HDR, NULL, 0};
    uint8_t *salt = buf + LC_EXP + 8, *nonce = salt + LC_SALT;
    if (dnasync_env_random(env, salt, LC_SALT + LC_NONCE) == 0 &&
        kdf(passphrase, salt, log2_n, LC_R_DEFAULT, LC_P_DEFAULT, key) == 0 &&
        dnasync_gcm_seal(key, nonce, &aad, pt, c, buf + LC_HDR, buf + LC_HDR + c) == 0 &&
        dnasync_sha256(buf, total - 4, h) == 0) {
        memcpy(buf + total - 4, h, 4);
        size_t plen = strlen(DNASYNC_LINKCODE_PREFIX);
        char *code = malloc(plen + DNASYNC_BASE32_LEN(total) + 1);
        if (!code) {
            rc = DNASYNC_ENOMEM;
        } else {
            memcpy(code, DNASYNC_LINKCODE_PREFIX, plen);
            dnasync_base32_encode(buf, total, code + plen);
            *code_out = code;
            rc = DNASYNC_OK;
        }
    }
    OPENSSL_cleanse(pt, sizeof pt);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int dnasync_linkcode_make_params(const dnasync_identity_t *id, const char *passphrase,
                                 unsigned log2_n, const dnasync_env_t *env, char **code_out)
{
    return dnasync_linkcode_make_valid(id, passphrase, log2_n, DNASYNC_LINKCODE_VALID_DEFAULT_S,
                                       env, code_out);
}

int dnasync_linkcode_make(const dnasync_identity_t *id, const char *passphrase,
                          const dnasync_env_t *env, char **code_out)
{
    return dnasync_linkcode_make_params(id, passphrase, DNASYNC_LINKCODE_LOG2N_DEFAULT, env,
                                        code_out);
}

static int has_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char a = *s, b = *prefix;
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (a != b)
            return 0;
    }
    return 1;
}

int dnasync_linkcode_join(const char *home, const char *code, const char *passphrase,
                          const dnasync_env_t *env, dnasync_identity_t **out, char *errbuf,
                          size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (out)
        *out = NULL;
    if (!home || !*home || !code || !passphrase)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "join: missing argument");

    while (*code == ' ' || *code == '\t' || *code == '\n' || *code == '\r')
        code++;
    if (!has_prefix_ci(code, DNASYNC_LINKCODE_PREFIX))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "not a link code: it must start with '%s'", DNASYNC_LINKCODE_PREFIX);
    const char *body = code + strlen(DNASYNC_LINKCODE_PREFIX);
    uint8_t buf[LC_MAX], pt[LC_MAX_PT], key[32], h[32];
    size_t bad = 0;
    long got = dnasync_base32_decode(body, buf, sizeof buf, &bad);
    if (got == -1)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "link code is damaged or mistyped: invalid character '%c' at "
                               "position %zu",
                               body[bad], bad + strlen(DNASYNC_LINKCODE_PREFIX) + 1);
    if (got < LC_MIN)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "link code is damaged or mistyped: wrong length");
    size_t total = (size_t)got;
    if (dnasync_sha256(buf, total - 4, h) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "join: hashing failed");
    if (!dnasync_ct_equal(h, buf + total - 4, 4))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "link code is damaged or mistyped (checksum mismatch)");
    if (buf[0] != LC_VERSION)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "link code version %u is not supported (this build reads %d; "
                               "make a new code with 'dnasync link-code')",
                               buf[0], LC_VERSION);
    if (!params_sane(buf[1], buf[2], buf[3]))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "link code asks for absurd scrypt parameters (N=2^%u, r=%u, p=%u);"
                               " refusing",
                               buf[1], buf[2], buf[3]);
    size_t c = total - LC_HDR - 16 - 4;
    if (c < 1 + 1 + DNASYNC_MASTER_BYTES || c > LC_MAX_PT)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "link code is damaged or mistyped: wrong length");

    /* Refuse before the slow KDF; dnasync_id_write_file checks again, atomically. */
    int rc = dnasync_id_check_absent(home, errbuf, errlen);
    if (rc != 0)
        return rc;

    const dnasync_aad_t aad = {buf, LC_HDR, NULL, 0};
    const uint8_t *salt = buf + LC_EXP + 8, *nonce = salt + LC_SALT;
    if (kdf(passphrase, salt, buf[1], buf[2], buf[3], key) != 0) {
        OPENSSL_cleanse(key, sizeof key);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "scrypt failed (out of memory?)");
    }
    rc = dnasync_gcm_open(key, nonce, &aad, buf + LC_HDR, c, buf + LC_HDR + c, pt);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EAUTH,
                               "wrong passphrase for this link code");
    /* checked once authentic, so the time in the message is the one the code was made with */
    uint64_t expires = 0, now = dnasync_env_now(env);
    for (int i = 7; i >= 0; i--)
        expires = expires << 8 | buf[LC_EXP + i];
    if (now > expires) {
        OPENSSL_cleanse(pt, sizeof pt);
        char when[32] = "?";
        time_t t = (time_t)expires;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EAUTH,
                               "link code expired at %s UTC (%llu s ago); make a new one with "
                               "'dnasync link-code'",
                               when, (unsigned long long)(now - expires));
    }

    char name[DNASYNC_NAME_MAX + 1];
    size_t l = pt[0];
    dnasync_identity_t *id = NULL;
    if (l < 1 || l > DNASYNC_NAME_MAX || c != 1 + l + DNASYNC_MASTER_BYTES) {
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                             "link code content is malformed (bad name length)");
        goto done;
    }
    memcpy(name, pt + 1, l);
    name[l] = '\0';
    if (strlen(name) != l || dnasync_id_name_ok(name, NULL, 0) != 0) {
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                             "link code content is malformed (invalid name)");
        goto done;
    }
    rc = dnasync_identity_from_master(name, pt + 1 + l, &id);
    if (rc != 0) {
        dnasync_err_buf(errbuf, errlen, rc, "cannot derive the identity keys: %s",
                        dnasync_strerror(rc));
        goto done;
    }
    rc = dnasync_id_write_file(home, name, pt + 1 + l, errbuf, errlen);
done:
    OPENSSL_cleanse(pt, sizeof pt);
    if (rc != 0 || !out)
        dnasync_identity_free(id);
    else
        *out = id;
    return rc;
}
