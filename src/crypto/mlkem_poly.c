/* Polynomial encoding, compression and coefficient-wise arithmetic (FIPS 203 §4.2.1). */
#include "crypto/mlkem_poly.h"

#include "crypto/mlkem_reduce.h"

/* ceil(2^35 / q). For n < 2^23, floor(n * M / 2^35) == floor(n / q): the error of M adds
 * less than n / 2^35 < 2^-12 to n/q, whose fractional part is at most 1 - 1/q. */
#define MLKEM_DIV_Q_M 10321340u
#define MLKEM_DIV_Q_SHIFT 35

uint16_t mlkem_compress(uint16_t x, unsigned d)
{
    /* round(2^d x / q) = floor((2^d x + (q-1)/2) / q); q is odd so there is no tie. */
    uint64_t n = ((uint64_t)x << d) + (MLKEM_Q - 1) / 2;
    uint32_t quot = (uint32_t)((n * MLKEM_DIV_Q_M) >> MLKEM_DIV_Q_SHIFT);
    return (uint16_t)(quot & ((1u << d) - 1));
}

uint16_t mlkem_decompress(uint16_t y, unsigned d)
{
    /* round(q y / 2^d) */
    return (uint16_t)(((uint32_t)y * MLKEM_Q + (1u << (d - 1))) >> d);
}

void mlkem_poly_encode(uint8_t *out, const mlkem_poly *f, unsigned d)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (unsigned i = 0; i < MLKEM_N; i++) {
        acc |= (uint32_t)f->c[i] << bits;
        bits += d;
        while (bits >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

void mlkem_poly_decode(mlkem_poly *f, const uint8_t *in, unsigned d)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    uint32_t mask = (1u << d) - 1;
    for (unsigned i = 0; i < MLKEM_N; i++) {
        while (bits < d) {
            acc |= (uint32_t)in[o++] << bits;
            bits += 8;
        }
        uint32_t v = acc & mask;
        acc >>= d;
        bits -= d;
        f->c[i] = d == 12 ? mlkem_csubq(v) : (uint16_t)v; /* d is public */
    }
}

int mlkem_poly_decode12_is_reduced(const uint8_t in[MLKEM_POLY_BYTES])
{
    for (unsigned i = 0; i < MLKEM_POLY_BYTES; i += 3) {
        uint32_t a = in[i] | ((uint32_t)(in[i + 1] & 0x0f) << 8);
        uint32_t b = (uint32_t)(in[i + 1] >> 4) | ((uint32_t)in[i + 2] << 4);
        if (a >= MLKEM_Q || b >= MLKEM_Q)
            return 0;
    }
    return 1;
}

void mlkem_poly_compress(uint8_t *out, const mlkem_poly *f, unsigned d)
{
    mlkem_poly t;
    for (unsigned i = 0; i < MLKEM_N; i++)
        t.c[i] = mlkem_compress(f->c[i], d);
    mlkem_poly_encode(out, &t, d);
}

void mlkem_poly_decompress(mlkem_poly *f, const uint8_t *in, unsigned d)
{
    mlkem_poly_decode(f, in, d);
    for (unsigned i = 0; i < MLKEM_N; i++)
        f->c[i] = mlkem_decompress(f->c[i], d);
}

void mlkem_poly_from_msg(mlkem_poly *f, const uint8_t msg[32])
{
    for (unsigned i = 0; i < MLKEM_N; i++) {
        uint16_t bit = (msg[i >> 3] >> (i & 7)) & 1;
        f->c[i] = (uint16_t)((0u - bit) & ((MLKEM_Q + 1) / 2)); /* Decompress_1 */
    }
}

void mlkem_poly_to_msg(uint8_t msg[32], const mlkem_poly *f)
{
    for (unsigned i = 0; i < 32; i++)
        msg[i] = 0;
    for (unsigned i = 0; i < MLKEM_N; i++)
        msg[i >> 3] |= (uint8_t)(mlkem_compress(f->c[i], 1) << (i & 7));
}

void mlkem_poly_add(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b)
{
    for (unsigned i = 0; i < MLKEM_N; i++)
        r->c[i] = mlkem_fqadd(a->c[i], b->c[i]);
}

void mlkem_poly_sub(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b)
{
    for (unsigned i = 0; i < MLKEM_N; i++)
        r->c[i] = mlkem_fqsub(a->c[i], b->c[i]);
}
