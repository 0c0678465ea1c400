/* Internal: the number-theoretic transform of FIPS 203 §4.3 (Alg. 9, 10, 11, 12). */
#ifndef DNASYNC_CRYPTO_MLKEM_NTT_H
#define DNASYNC_CRYPTO_MLKEM_NTT_H

#include "crypto/mlkem_params.h"

/* In place; inputs and outputs canonical. */
void mlkem_ntt(mlkem_poly *f);
void mlkem_invntt(mlkem_poly *f);
/* h = f (x) g in T_q (MultiplyNTTs). Inputs may be any value < 2^12 (a decoded but
 * unchecked key); the output is canonical. */
void mlkem_basemul(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g);
/* h = sum_i a[i] (x) b[i] (the inner product of two vectors in T_q^k). */
void mlkem_basemul_acc(mlkem_poly *h, const mlkem_polyvec *a, const mlkem_polyvec *b);

#endif
