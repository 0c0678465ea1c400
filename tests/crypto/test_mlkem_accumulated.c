/* The CCTV "accumulated" test (expected hashes in tests/vectors/README.md): N rounds of
 * KeyGen/Encaps/Decaps on a SHAKE128 stream, everything hashed into one SHAKE128.
 * Usage: test_mlkem_accumulated [N]   (N = 10000 by default; 1000000 is the slow run) */
#include "test_mlkem_keccak.h"
#include "test_mlkem_util.h"

#include "check.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"

#include <openssl/evp.h>

/* The test's own SHAKE128 must agree with OpenSSL on a long prefix of the RNG stream. */
static void check_stream_against_openssl(void)
{
    enum { LEN = 100000 };
    static uint8_t ours[LEN], ref[LEN];
    shake128_stream st;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    CHECK(ctx && EVP_DigestInit_ex(ctx, EVP_shake128(), NULL) == 1);
    CHECK(EVP_DigestFinalXOF(ctx, ref, LEN) == 1);
    EVP_MD_CTX_free(ctx);
    shake128_stream_init(&st, NULL, 0);
    shake128_stream_read(&st, ours, 5);       /* odd-sized reads cross block edges */
    shake128_stream_read(&st, ours + 5, 333); /* ... */
    shake128_stream_read(&st, ours + 338, LEN - 338);
    CHECK(memcmp(ours, ref, LEN) == 0);
    CHECK(tu_eq_hex(ours, 16, "7f9c2ba4e88f827d616045507605853e"));
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    const char *expect = NULL;
    if (n == 10000)
        expect = "705dcffc87f4e67e35a09dcaa31772e86f3341bd3ccf1e78a5fef99ae6a35a13";
    else if (n == 1000000)
        expect = "21dd330d4355f2ae2876b9fa2b9de62ecaf76aca1d598de8db2b467d36e36a6a";
    CHECK(expect != NULL);
    check_stream_against_openssl();

    shake128_stream rng;
    EVP_MD_CTX *acc = EVP_MD_CTX_new();
    uint8_t d[32], z[32], m[32], crand[MLKEM512_CT_BYTES];
    uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], c[MLKEM512_CT_BYTES];
    uint8_t k[32], k2[32], krand[32], out[32];
    CHECK(acc && EVP_DigestInit_ex(acc, EVP_shake128(), NULL) == 1);
    shake128_stream_init(&rng, NULL, 0);
    for (long i = 0; i < n; i++) {
        shake128_stream_read(&rng, d, 32);
        shake128_stream_read(&rng, z, 32);
        shake128_stream_read(&rng, m, 32);
        shake128_stream_read(&rng, crand, sizeof crand);
        VCHECK(mlkem512_keygen_internal(ek, dk, d, z) == DNASYNC_OK, "accumulated", i);
        VCHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_OK, "accumulated", i);
        VCHECK(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c) == DNASYNC_OK, "accumulated", i);
        VCHECK(memcmp(k, k2, 32) == 0, "accumulated", i);
        VCHECK(mlkem512_decaps(krand, dk, sizeof dk, crand, sizeof crand) == DNASYNC_OK,
               "accumulated", i);
        CHECK(EVP_DigestUpdate(acc, ek, sizeof ek) == 1 &&
              EVP_DigestUpdate(acc, dk, sizeof dk) == 1 &&
              EVP_DigestUpdate(acc, c, sizeof c) == 1 && EVP_DigestUpdate(acc, k, 32) == 1 &&
              EVP_DigestUpdate(acc, krand, 32) == 1);
    }
    CHECK(EVP_DigestFinalXOF(acc, out, 32) == 1);
    EVP_MD_CTX_free(acc);
    printf("accumulated N=%ld: ", n);
    tu_print_hex(stdout, out, 32);
    CHECK(tu_eq_hex(out, 32, expect));
    printf("accumulated N=%ld: %ld iterations passed (hash matches)\n", n, n);
    return 0;
}
