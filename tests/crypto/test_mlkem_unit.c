/* ML-KEM-512 unit tests: the branch-free arithmetic against exact formulas (exhaustive),
 * NTT round trip, API argument checks and the env-driven randomized wrappers. */
#include "check.h"
#include "crypto/mlkem.h"
#include "crypto/mlkem_ntt.h"
#include "crypto/mlkem_poly.h"
#include "crypto/mlkem_reduce.h"
#include "dnasync/status.h"
#include "testenv.h"

static void test_reduce(void)
{
    /* every product of two 12-bit values and a sweep of the 32-bit range */
    for (uint32_t a = 0; a < 4096; a += 1)
        for (uint32_t b = 0; b < 4096; b += 7)
            CHECK_EQ_INT(mlkem_reduce(a * b), (a * b) % MLKEM_Q);
    for (uint64_t x = 0; x < ((uint64_t)1 << 32); x += 65521)
        CHECK_EQ_INT(mlkem_reduce((uint32_t)x), x % MLKEM_Q);
    CHECK_EQ_INT(mlkem_reduce(0xffffffffu), 0xffffffffu % MLKEM_Q);
    for (uint32_t r = 0; r < 2 * MLKEM_Q; r++)
        CHECK_EQ_INT(mlkem_csubq(r), r % MLKEM_Q);
}

static void test_compress(void)
{
    static const unsigned ds[] = {1, 4, 10, 11};
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        unsigned d = ds[i];
        for (uint32_t x = 0; x < MLKEM_Q; x++) {
            /* round(2^d x / q) mod 2^d, with exact integer rounding */
            uint32_t want = (((x << d) * 2 + MLKEM_Q) / (2 * MLKEM_Q)) & ((1u << d) - 1);
            CHECK_EQ_INT(mlkem_compress((uint16_t)x, d), want);
        }
        for (uint32_t y = 0; y < (1u << d); y++)
            CHECK_EQ_INT(mlkem_decompress((uint16_t)y, d),
                         (y * MLKEM_Q * 2 + (1u << d)) / (2u << d));
    }
}

static void test_ntt_roundtrip(void)
{
    mlkem_poly f, g, one, h;
    for (int i = 0; i < MLKEM_N; i++) {
        f.c[i] = (uint16_t)((i * 1237 + 11) % MLKEM_Q);
        one.c[i] = i == 0;
    }
    g = f;
    mlkem_ntt(&g);
    mlkem_invntt(&g);
    CHECK(memcmp(f.c, g.c, sizeof f.c) == 0);
    /* f * 1 == f through the NTT domain */
    g = f;
    mlkem_ntt(&g);
    mlkem_ntt(&one);
    mlkem_basemul(&h, &g, &one);
    mlkem_invntt(&h);
    CHECK(memcmp(f.c, h.c, sizeof f.c) == 0);
}

static int failing_random(void *user, uint8_t *out, size_t len)
{
    (void)user;
    (void)out;
    (void)len;
    return -1;
}

static void test_api(void)
{
    test_clock_t clk;
    uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], c[MLKEM512_CT_BYTES], k[32], k2[32];
    test_clock_init(&clk, 1700000000, 42);
    CHECK_EQ_INT(mlkem512_keygen(ek, dk, &clk.env), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_check_ek(ek, sizeof ek), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_check_dk(dk, sizeof dk), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_encaps(c, k, ek, sizeof ek, &clk.env), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c), DNASYNC_OK);
    CHECK(memcmp(k, k2, 32) == 0);
    /* default environment (NULL) */
    CHECK_EQ_INT(mlkem512_keygen(ek, dk, NULL), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_encaps(c, k, ek, sizeof ek, NULL), DNASYNC_OK);
    CHECK_EQ_INT(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c), DNASYNC_OK);
    CHECK(memcmp(k, k2, 32) == 0);
    /* wrong lengths, NULLs, broken dk hash */
    CHECK_EQ_INT(mlkem512_encaps(c, k, ek, sizeof ek - 1, NULL), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_encaps_internal(c, k, NULL, 800, k2), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c + 1), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_decaps(k2, dk, sizeof dk - 1, c, sizeof c), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_decaps(k2, NULL, sizeof dk, c, sizeof c), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_check_ek(NULL, 800), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_check_dk(NULL, 1632), DNASYNC_EINVAL);
    dk[768] ^= 1; /* embedded ek no longer matches H(ek) */
    CHECK_EQ_INT(mlkem512_check_dk(dk, sizeof dk), DNASYNC_EINVAL);
    CHECK_EQ_INT(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c), DNASYNC_EINVAL);
    /* a failing randomness source */
    dnasync_env_t bad = {NULL, failing_random, NULL};
    CHECK_EQ_INT(mlkem512_keygen(ek, dk, &bad), DNASYNC_ERR);
    CHECK_EQ_INT(mlkem512_encaps(c, k, ek, sizeof ek, &bad), DNASYNC_ERR);
}

int main(void)
{
    RUN(test_reduce);
    RUN(test_compress);
    RUN(test_ntt_roundtrip);
    RUN(test_api);
    printf("ML-KEM unit tests passed\n");
    return 0;
}
