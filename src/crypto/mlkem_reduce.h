/* Internal: branch-free arithmetic mod q = 3329 on canonical values in [0, q). */
#ifndef DNASYNC_CRYPTO_MLKEM_REDUCE_H
#define DNASYNC_CRYPTO_MLKEM_REDUCE_H

#include "crypto/mlkem_params.h"

#include <stdint.h>

/* floor(2^32 / q): the Barrett constant. */
#define MLKEM_BARRETT_M 1290167u

/* r in [0, 2q) -> r mod q, without a branch: the borrow of r - q selects the result. */
static inline uint16_t mlkem_csubq(uint32_t r)
{
    uint32_t t = r - MLKEM_Q;
    uint32_t mask = 0u - (t >> 31); /* all ones iff r < q */
    return (uint16_t)(t + (mask & MLKEM_Q));
}

/* Any x < 2^32 -> x mod q. The quotient estimate floor(x * M / 2^32) is floor(x/q) or one
 * less, so x - t*q lies in [0, 2q) and one conditional subtraction finishes. */
static inline uint16_t mlkem_reduce(uint32_t x)
{
    uint32_t t = (uint32_t)(((uint64_t)x * MLKEM_BARRETT_M) >> 32);
    return mlkem_csubq(x - t * MLKEM_Q);
}

static inline uint16_t mlkem_fqmul(uint16_t a, uint16_t b)
{
    return mlkem_reduce((uint32_t)a * b);
}

static inline uint16_t mlkem_fqadd(uint16_t a, uint16_t b)
{
    return mlkem_csubq((uint32_t)a + b);
}

static inline uint16_t mlkem_fqsub(uint16_t a, uint16_t b)
{
    return mlkem_csubq((uint32_t)a + MLKEM_Q - b);
}

#endif
