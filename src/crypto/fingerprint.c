/* Fingerprints and safety numbers (definitions in crypto/fingerprint.h). */
#include "crypto/fingerprint.h"

#include "common/hex.h"
#include "crypto/identity_int.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define FP_TAG "dnasync-fingerprint-v1"
#define SAFETY_TAG "dnasync-safety-number-v1"

int dnasync_fingerprint_hashed(const uint8_t sign_pk[32], const uint8_t kem_hash[32],
                               uint8_t out[DNASYNC_FP_BYTES])
{
    uint8_t in[sizeof FP_TAG - 1 + 64];
    memcpy(in, FP_TAG, sizeof FP_TAG - 1);
    memcpy(in + sizeof FP_TAG - 1, sign_pk, 32);
    memcpy(in + sizeof FP_TAG - 1 + 32, kem_hash, 32);
    return dnasync_sha3_256(in, sizeof in, out);
}

int dnasync_fingerprint(const uint8_t sign_pk[32], const uint8_t *kem_ek,
                        uint8_t out[DNASYNC_FP_BYTES])
{
    uint8_t kh[32];
    int rc = dnasync_sha3_256(kem_ek, DNASYNC_KEM_EK_BYTES, kh);
    return rc != 0 ? rc : dnasync_fingerprint_hashed(sign_pk, kh, out);
}

void dnasync_fingerprint_hex(const uint8_t fp[DNASYNC_FP_BYTES], char out[DNASYNC_FP_HEX_LEN + 1])
{
    dnasync_hex_encode(fp, DNASYNC_FP_BYTES, out);
}

int dnasync_fingerprint_prefix_check(const char *s, char *errbuf, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n < DNASYNC_FP_PREFIX_MIN || n > DNASYNC_FP_HEX_LEN)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "a fingerprint prefix is %d to %d hex digits, got %zu",
                               DNASYNC_FP_PREFIX_MIN, DNASYNC_FP_HEX_LEN, n);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                                   "a fingerprint prefix is hex digits only (byte %zu is not)",
                                   i + 1);
    return DNASYNC_OK;
}

int dnasync_fingerprint_matches(const uint8_t fp[DNASYNC_FP_BYTES], const char *prefix)
{
    if (dnasync_fingerprint_prefix_check(prefix, NULL, 0) != 0)
        return 0;
    char hex[DNASYNC_FP_HEX_LEN + 1];
    dnasync_fingerprint_hex(fp, hex);
    for (size_t i = 0; prefix[i]; i++)
        if (hex[i] != tolower((unsigned char)prefix[i]))
            return 0;
    return 1;
}

int dnasync_safety_number(const uint8_t a[DNASYNC_FP_BYTES], const uint8_t b[DNASYNC_FP_BYTES],
                          char out[DNASYNC_SAFETY_LEN + 1])
{
    /* sorted, so both sides hash the same bytes */
    const uint8_t *lo = memcmp(a, b, DNASYNC_FP_BYTES) <= 0 ? a : b, *hi = lo == a ? b : a;
    uint8_t in[sizeof SAFETY_TAG + 2 * DNASYNC_FP_BYTES], digest[64];
    memcpy(in, SAFETY_TAG, sizeof SAFETY_TAG - 1);
    memcpy(in + sizeof SAFETY_TAG, lo, DNASYNC_FP_BYTES);
    memcpy(in + sizeof SAFETY_TAG + DNASYNC_FP_BYTES, hi, DNASYNC_FP_BYTES);
    for (uint8_t half = 0; half < 2; half++) {
        in[sizeof SAFETY_TAG - 1] = half; /* two domain-separated hashes: 64 bytes */
        int rc = dnasync_sha3_256(in, sizeof in, digest + 32 * half);
        if (rc != 0)
            return rc;
    }
    /* 12 groups, each 5 bytes as a 40-bit number mod 100000 (bias below 1e-7) */
    size_t pos = 0;
    for (int g = 0; g < 12; g++) {
        uint64_t v = 0;
        for (int k = 0; k < 5; k++)
            v = v << 8 | digest[5 * g + k];
        pos += (size_t)snprintf(out + pos, DNASYNC_SAFETY_LEN + 1 - pos, g ? " %05u" : "%05u",
                                (unsigned)(v % 100000u));
    }
    return DNASYNC_OK;
}
