/* Ed25519: RFC 8032 test vector 1 as literals, round trip, and every single-bit change of the
 * message, the signature or the public key is rejected with DNASYNC_EAUTH. */
#include "check.h"
#include "common/hex.h"
#include "crypto/sign.h"
#include "dnasync/status.h"

#include <stdint.h>
#include <string.h>

static void unhex(const char *h, uint8_t *out, size_t len)
{
    CHECK(dnasync_hex_decode(h, out, len) == 0);
}

static void test_rfc8032_vector1(void)
{
    uint8_t sk[32], pk_expected[32], sig_expected[64], pk[32], sig[64];
    unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", sk, 32);
    unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk_expected, 32);
    unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
          "701cf9b46bd25bf5f0595bbe24655141438e7a100b",
          sig_expected, 64);
    CHECK_EQ_INT(dnasync_sign_public(pk, sk), 0);
    CHECK(memcmp(pk, pk_expected, 32) == 0);
    CHECK_EQ_INT(dnasync_sign(sig, sk, (const uint8_t *)"", 0), 0);
    CHECK(memcmp(sig, sig_expected, 64) == 0);
    CHECK_EQ_INT(dnasync_sign_verify(pk, (const uint8_t *)"", 0, sig), 0);
    /* one extra byte of message */
    CHECK_EQ_INT(dnasync_sign_verify(pk, (const uint8_t *)"x", 1, sig), DNASYNC_EAUTH);
}

static void test_round_trip_and_bit_flips(void)
{
    uint8_t sk[32], pk[32], sig[64];
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)(7 * i + 1);
    uint8_t msg[40];
    for (int i = 0; i < 40; i++)
        msg[i] = (uint8_t)(i * 13);
    CHECK_EQ_INT(dnasync_sign_public(pk, sk), 0);
    CHECK_EQ_INT(dnasync_sign(sig, sk, msg, sizeof msg), 0);
    CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg, sig), 0);
    /* deterministic signatures */
    uint8_t sig2[64];
    CHECK_EQ_INT(dnasync_sign(sig2, sk, msg, sizeof msg), 0);
    CHECK(memcmp(sig, sig2, 64) == 0);

    for (size_t bit = 0; bit < sizeof msg * 8; bit++) {
        msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg, sig), DNASYNC_EAUTH);
        msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg, sig), DNASYNC_EAUTH);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t bit = 0; bit < 32 * 8; bit++) {
        pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg, sig), DNASYNC_EAUTH);
        pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg, sig), 0);
    /* truncated message */
    CHECK_EQ_INT(dnasync_sign_verify(pk, msg, sizeof msg - 1, sig), DNASYNC_EAUTH);
}

/* A key built once signs exactly as the seed does, with the same public key. */
static void test_built_key(void)
{
    uint8_t sk[32], pk[32], sig[64], sig2[64];
    unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", sk, 32);
    dnasync_sign_key_t *key = (dnasync_sign_key_t *)1;
    CHECK_EQ_INT(dnasync_sign_key_new(NULL, &key), DNASYNC_EINVAL);
    CHECK(key == NULL);
    CHECK(dnasync_sign_key_public(NULL) == NULL);
    dnasync_sign_key_free(NULL);
    CHECK_EQ_INT(dnasync_sign_key_new(sk, &key), 0);
    CHECK_EQ_INT(dnasync_sign_public(pk, sk), 0);
    CHECK(memcmp(dnasync_sign_key_public(key), pk, 32) == 0);
    uint8_t msg[100];
    for (size_t n = 0; n <= sizeof msg; n += 25) {
        for (size_t i = 0; i < n; i++)
            msg[i] = (uint8_t)(i * 29 + n);
        CHECK_EQ_INT(dnasync_sign_with(key, sig, msg, n), 0);
        CHECK_EQ_INT(dnasync_sign(sig2, sk, msg, n), 0);
        CHECK(memcmp(sig, sig2, 64) == 0);
        CHECK_EQ_INT(dnasync_sign_verify(pk, msg, n, sig), 0);
    }
    CHECK_EQ_INT(dnasync_sign_with(NULL, sig, msg, 1), DNASYNC_ECRYPTO);
    dnasync_sign_key_free(key);
}

int main(void)
{
    RUN(test_rfc8032_vector1);
    RUN(test_round_trip_and_bit_flips);
    RUN(test_built_key);
    return 0;
}
