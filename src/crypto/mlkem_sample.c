/* SampleNTT and SamplePolyCBD (FIPS 203 Alg. 7 and 8).
 *
 * SampleNTT squeezes SHAKE128 3 bytes at a time for as long as needed. OpenSSL 3.0 cannot
 * squeeze a SHAKE context incrementally (EVP_DigestSqueeze arrived in 3.3), so we ask for
 * the first 3 blocks (504 bytes, enough for almost every seed), and whenever rejection
 * leaves the polynomial short we finalise a fresh copy of the absorbed state with one more
 * block of output and continue parsing at the byte where we stopped. The loop ends only when
 * all 256 coefficients are found; the output length is never capped. */
#include "crypto/mlkem_sample.h"

#include "crypto/mlkem_reduce.h"
#include "crypto/mlkem_symmetric.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <stdlib.h>

#define SHAKE128_RATE 168
#define SAMPLE_NTT_INITIAL (3 * SHAKE128_RATE)
#define SAMPLE_NTT_STACK (6 * SHAKE128_RATE)

int mlkem_sample_ntt(mlkem_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i, size_t *xof_bytes)
{
    uint8_t seed[34];
    uint8_t stackbuf[SAMPLE_NTT_STACK];
    uint8_t *buf = stackbuf;
    mlkem_xof xof;
    size_t want = SAMPLE_NTT_INITIAL, pos = 0;
    unsigned n = 0;
    int rc;

    for (unsigned t = 0; t < 32; t++)
        seed[t] = rho[t];
    seed[32] = j;
    seed[33] = i;
    rc = mlkem_xof_init(&xof, seed, sizeof seed);
    if (rc != DNASYNC_OK)
        return rc;
    for (;;) {
        if (want > SAMPLE_NTT_STACK) {
            uint8_t *nb = realloc(buf == stackbuf ? NULL : buf, want);
            if (!nb) {
                rc = DNASYNC_ENOMEM;
                break;
            }
            buf = nb;
        }
        rc = mlkem_xof_squeeze(&xof, buf, want); /* buf[0..pos) is unchanged: same prefix */
        if (rc != DNASYNC_OK)
            break;
        /* want is a multiple of 3 (168 = 3 * 56), so triples never straddle a refill. */
        for (; pos + 3 <= want && n < MLKEM_N; pos += 3) {
            uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0f) << 8));
            uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
            if (d1 < MLKEM_Q)
                a->c[n++] = d1;
            if (d2 < MLKEM_Q && n < MLKEM_N)
                a->c[n++] = d2;
        }
        if (n == MLKEM_N)
            break;
        want += SHAKE128_RATE;
    }
    if (xof_bytes)
        *xof_bytes = pos;
    if (buf != stackbuf)
        free(buf);
    mlkem_xof_free(&xof);
    return rc;
}

int mlkem_gen_matrix(mlkem_polyvec a[MLKEM_K], const uint8_t rho[32], int transposed)
{
    for (unsigned i = 0; i < MLKEM_K; i++) {
        for (unsigned j = 0; j < MLKEM_K; j++) {
            /* A_hat[i][j] = SampleNTT(rho || j || i); the transpose swaps the roles. */
            int rc = transposed ? mlkem_sample_ntt(&a[i].p[j], rho, (uint8_t)i, (uint8_t)j, NULL)
                                : mlkem_sample_ntt(&a[i].p[j], rho, (uint8_t)j, (uint8_t)i, NULL);
            if (rc != DNASYNC_OK)
                return rc;
        }
    }
    return DNASYNC_OK;
}

/* eta = 2: each 32-bit little-endian word gives 8 coefficients of 4 bits (x: 2, y: 2). */
static void cbd2(mlkem_poly *f, const uint8_t buf[128])
{
    for (unsigned w = 0; w < MLKEM_N / 8; w++) {
        uint32_t t = (uint32_t)buf[4 * w] | ((uint32_t)buf[4 * w + 1] << 8) |
                     ((uint32_t)buf[4 * w + 2] << 16) | ((uint32_t)buf[4 * w + 3] << 24);
        uint32_t s = (t & 0x55555555u) + ((t >> 1) & 0x55555555u); /* 2-bit popcounts */
        for (unsigned k = 0; k < 8; k++) {
            uint32_t x = (s >> (4 * k)) & 3, y = (s >> (4 * k + 2)) & 3;
            f->c[8 * w + k] = mlkem_csubq(x + MLKEM_Q - y);
        }
    }
}

/* eta = 3: each 24-bit little-endian word gives 4 coefficients of 6 bits (x: 3, y: 3). */
static void cbd3(mlkem_poly *f, const uint8_t buf[192])
{
    for (unsigned w = 0; w < MLKEM_N / 4; w++) {
        uint32_t t = (uint32_t)buf[3 * w] | ((uint32_t)buf[3 * w + 1] << 8) |
                     ((uint32_t)buf[3 * w + 2] << 16);
        uint32_t s = (t & 0x249249u) + ((t >> 1) & 0x249249u) + ((t >> 2) & 0x249249u);
        for (unsigned k = 0; k < 4; k++) {
            uint32_t x = (s >> (6 * k)) & 7, y = (s >> (6 * k + 3)) & 7;
            f->c[4 * w + k] = mlkem_csubq(x + MLKEM_Q - y);
        }
    }
}

int mlkem_sample_cbd(mlkem_poly *f, const uint8_t sigma[32], uint8_t n, unsigned eta)
{
    uint8_t buf[64 * 3];
    size_t len = 64 * (size_t)eta;
    int rc = mlkem_prf(buf, len, sigma, n);
    if (rc == DNASYNC_OK) {
        if (eta == 2)
            cbd2(f, buf);
        else
            cbd3(f, buf);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}
