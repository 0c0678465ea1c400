/* Internal: the K-PKE component scheme (FIPS 203 §5, Alg. 13, 14, 15). All functions
 * return 0 or a dnasync status code (only OpenSSL or allocation failures). */
#ifndef DNASYNC_CRYPTO_MLKEM_KPKE_H
#define DNASYNC_CRYPTO_MLKEM_KPKE_H

#include "crypto/mlkem_params.h"

#include <stdint.h>

/* K-PKE.KeyGen(d), with (rho, sigma) = G(d || k) as in the final standard. */
int mlkem_kpke_keygen(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk[MLKEM_DK_PKE_BYTES],
                      const uint8_t d[32]);
/* K-PKE.KeyGen from an already derived (rho, sigma); exposed so the tests can check the
 * FIPS 203 ipd intermediate values, which differ from the final standard only in G. */
int mlkem_kpke_keygen_from_seeds(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk[MLKEM_DK_PKE_BYTES],
                                 const uint8_t rho[32], const uint8_t sigma[32]);
/* K-PKE.Encrypt(ek, m, r). ek is not checked here (the caller runs §7.2 first, or, in
 * Decaps, uses the ek embedded in a hash-checked dk). */
int mlkem_kpke_encrypt(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES],
                       const uint8_t m[32], const uint8_t r[32]);
/* K-PKE.Decrypt(dk, c). */
int mlkem_kpke_decrypt(uint8_t m[32], const uint8_t dk[MLKEM_DK_PKE_BYTES],
                       const uint8_t c[MLKEM_CT_BYTES]);

#endif
