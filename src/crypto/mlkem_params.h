/* Internal: ML-KEM-512 parameters (FIPS 203 §8, Table 2) and the polynomial types. */
#ifndef DNASYNC_CRYPTO_MLKEM_PARAMS_H
#define DNASYNC_CRYPTO_MLKEM_PARAMS_H

#include <stdint.h>

#define MLKEM_N 256
#define MLKEM_Q 3329
#define MLKEM_K 2
#define MLKEM_ETA1 3
#define MLKEM_ETA2 2
#define MLKEM_DU 10
#define MLKEM_DV 4

#define MLKEM_SYM_BYTES 32                                     /* d, z, m, rho, sigma, H(), K */
#define MLKEM_POLY_BYTES 384                                   /* ByteEncode12 of one polynomial */
#define MLKEM_POLYVEC_BYTES (MLKEM_K * MLKEM_POLY_BYTES)       /* 768 */
#define MLKEM_C1_BYTES (MLKEM_K * 32 * MLKEM_DU)               /* 640 */
#define MLKEM_C2_BYTES (32 * MLKEM_DV)                         /* 128 */
#define MLKEM_EK_BYTES (MLKEM_POLYVEC_BYTES + MLKEM_SYM_BYTES) /* 800 */
#define MLKEM_DK_PKE_BYTES MLKEM_POLYVEC_BYTES                 /* 768 */
#define MLKEM_DK_BYTES (MLKEM_DK_PKE_BYTES + MLKEM_EK_BYTES + 2 * MLKEM_SYM_BYTES) /* 1632 */
#define MLKEM_CT_BYTES (MLKEM_C1_BYTES + MLKEM_C2_BYTES)                           /* 768 */

/* Coefficients are kept canonical, in [0, q), after every operation. */
typedef struct mlkem_poly {
    uint16_t c[MLKEM_N];
} mlkem_poly;

typedef struct mlkem_polyvec {
    mlkem_poly p[MLKEM_K];
} mlkem_polyvec;

#endif
