/* Fingerprints and safety numbers: one definition, checked against an independent computation
 * (OpenSSL's SHA3-256 over the documented bytes), order-independent safety numbers, prefixes. */
#include "check.h"
#include "crypto/fingerprint.h"
#include "dnasync/status.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

static void sha3(const uint8_t *in, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    CHECK(EVP_Digest(in, len, out, &n, EVP_sha3_256(), NULL) == 1);
}

static void test_definition(void)
{
    uint8_t pk[32], ek[800], kh[32], in[22 + 64], want[32], got[32];
    for (size_t i = 0; i < sizeof pk; i++)
        pk[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof ek; i++)
        ek[i] = (uint8_t)(i * 13 + 5);
    sha3(ek, sizeof ek, kh);
    memcpy(in, "dnasync-fingerprint-v1", 22);
    memcpy(in + 22, pk, 32);
    memcpy(in + 54, kh, 32);
    sha3(in, sizeof in, want);
    CHECK_EQ_INT(dnasync_fingerprint(pk, ek, got), 0);
    CHECK(memcmp(got, want, 32) == 0);
    CHECK_EQ_INT(dnasync_fingerprint_hashed(pk, kh, got), 0);
    CHECK(memcmp(got, want, 32) == 0);
    /* either key changes it */
    ek[0] ^= 1;
    CHECK_EQ_INT(dnasync_fingerprint(pk, ek, got), 0);
    CHECK(memcmp(got, want, 32) != 0);
}

static void test_prefix(void)
{
    uint8_t fp[32];
    for (int i = 0; i < 32; i++)
        fp[i] = (uint8_t)(0x8a + i);
    char hex[65];
    dnasync_fingerprint_hex(fp, hex);
    CHECK_EQ_INT(strlen(hex), 64);
    CHECK(strncmp(hex, "8a8b8c8d", 8) == 0);
    CHECK(dnasync_fingerprint_matches(fp, "8a8b8c8d"));
    CHECK(dnasync_fingerprint_matches(fp, "8A8B8C8D8E")); /* either case */
    CHECK(dnasync_fingerprint_matches(fp, hex));
    CHECK(!dnasync_fingerprint_matches(fp, "8a8b8c8e"));
    CHECK(!dnasync_fingerprint_matches(fp, "8a8b8c")); /* too short: never matches */
    char err[128];
    CHECK_EQ_INT(dnasync_fingerprint_prefix_check("8a8b8c", err, sizeof err), DNASYNC_EINVAL);
    CHECK(strstr(err, "8 to 64 hex digits") != NULL);
    CHECK_EQ_INT(dnasync_fingerprint_prefix_check("8a8b8c8g", err, sizeof err), DNASYNC_EINVAL);
    CHECK(strstr(err, "byte 8") != NULL);
}

static void test_safety(void)
{
    uint8_t a[32], b[32], c[32];
    memset(a, 0x11, 32);
    memset(b, 0x22, 32);
    memset(c, 0x22, 32);
    c[31] = 0x23;
    char ab[DNASYNC_SAFETY_LEN + 1], ba[DNASYNC_SAFETY_LEN + 1], ac[DNASYNC_SAFETY_LEN + 1];
    CHECK_EQ_INT(dnasync_safety_number(a, b, ab), 0);
    CHECK_EQ_INT(dnasync_safety_number(b, a, ba), 0);
    CHECK_EQ_INT(dnasync_safety_number(a, c, ac), 0);
    CHECK_EQ_STR(ab, ba); /* both parties compute the same number */
    CHECK(strcmp(ab, ac) != 0);
    CHECK_EQ_INT(strlen(ab), DNASYNC_SAFETY_LEN);
    for (int i = 0; i < DNASYNC_SAFETY_LEN; i++) /* 12 groups of 5 digits */
        CHECK(i % 6 == 5 ? ab[i] == ' ' : isdigit((unsigned char)ab[i]));
}

int main(void)
{
    RUN(test_definition);
    RUN(test_prefix);
    RUN(test_safety);
    return 0;
}
