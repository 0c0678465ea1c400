/* Internal: constant-time helpers and the valgrind declassification hook. */
#ifndef DNASYNC_CRYPTO_MLKEM_CT_H
#define DNASYNC_CRYPTO_MLKEM_CT_H

#include <stddef.h>
#include <stdint.h>

#ifdef DNASYNC_MLKEM_CT_TEST
/* Built only into the valgrind constant-time test: values that FIPS 203 makes public even
 * though they are computed from secrets (rho, part of ek) are marked defined again. */
#include <valgrind/memcheck.h>
#define MLKEM_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define MLKEM_DECLASSIFY(p, n) ((void)0)
#endif

/* Hides a value from the optimiser so mask arithmetic is not turned back into a branch. */
static inline uint32_t mlkem_value_barrier(uint32_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

/* 0x00 if a[0..n) == b[0..n), 0xff otherwise; reads all n bytes, no early exit. */
static inline uint8_t mlkem_ct_neq_mask(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint32_t)(a[i] ^ b[i]);
    acc = mlkem_value_barrier(acc);
    return (uint8_t)(0u - ((0u - acc) >> 31));
}

/* dst = mask ? src : dst for mask in {0x00, 0xff}, over all n bytes. */
static inline void mlkem_ct_cmov(uint8_t *dst, const uint8_t *src, size_t n, uint8_t mask)
{
    uint8_t m = (uint8_t)mlkem_value_barrier(mask);
    for (size_t i = 0; i < n; i++)
        dst[i] ^= (uint8_t)(m & (dst[i] ^ src[i]));
}

#endif
