/* Internal: sampling (FIPS 203 §4.2.2: Alg. 7 SampleNTT, Alg. 8 SamplePolyCBD). */
#ifndef DNASYNC_CRYPTO_MLKEM_SAMPLE_H
#define DNASYNC_CRYPTO_MLKEM_SAMPLE_H

#include "crypto/mlkem_params.h"

#include <stddef.h>
#include <stdint.h>

/* SampleNTT(rho || j || i): uniform rejection sampling from SHAKE128 (public data).
 * Correct for every seed: the XOF output is extended as long as needed. If xof_bytes is not
 * NULL it receives the number of XOF bytes consumed. 0 or a dnasync status code. */
int mlkem_sample_ntt(mlkem_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i, size_t *xof_bytes);

/* The matrix A_hat of K-PKE (A_hat[i][j] = SampleNTT(rho || j || i)), or its transpose. */
int mlkem_gen_matrix(mlkem_polyvec a[MLKEM_K], const uint8_t rho[32], int transposed);

/* SamplePolyCBD_eta(PRF_eta(sigma, n)) for eta in {2, 3}; constant time. */
int mlkem_sample_cbd(mlkem_poly *f, const uint8_t sigma[32], uint8_t n, unsigned eta);

#endif
