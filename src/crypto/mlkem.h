/* ML-KEM-512 key encapsulation (FIPS 203, final, August 2024).
 *
 * All functions return 0 (DNASYNC_OK) or a negative dnasync/status.h code. Every buffer is
 * owned by the caller; nothing is allocated for the caller and no pointer is retained.
 * Secret intermediates are wiped before returning. Operations on secret data (d, z, m, the
 * decapsulation key, the shared secret) are constant time: no branch and no memory index
 * depends on them. Thread-safe (no global mutable state).
 *
 * Key and ciphertext layouts are those of FIPS 203:
 *   ek = ByteEncode12(t_hat) || rho                                   (800 bytes)
 *   dk = dkPKE (768) || ek (800) || H(ek) (32) || z (32)              (1632 bytes)
 */
#ifndef DNASYNC_MLKEM_H
#define DNASYNC_MLKEM_H

#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLKEM512_EK_BYTES 800
#define MLKEM512_DK_BYTES 1632
#define MLKEM512_CT_BYTES 768
#define MLKEM512_SS_BYTES 32
#define MLKEM512_SEED_BYTES 32

/* ML-KEM.KeyGen_internal (FIPS 203 Alg. 16): deterministic key pair from the 32-byte seeds d
 * and z. DNASYNC_ECRYPTO/ENOMEM only if OpenSSL fails. */
int mlkem512_keygen_internal(uint8_t ek[800], uint8_t dk[1632], const uint8_t d[32],
                             const uint8_t z[32]);

/* ML-KEM.Encaps_internal (Alg. 17) with the 32-byte message m. Runs the §7.2 input check
 * first: DNASYNC_EINVAL if ek_len != 800 or a coefficient of ek is not reduced mod q. */
int mlkem512_encaps_internal(uint8_t c[768], uint8_t k[32], const uint8_t *ek, size_t ek_len,
                             const uint8_t m[32]);

/* ML-KEM.Decaps (Alg. 18 after the §7.3 input checks): DNASYNC_EINVAL if dk_len != 1632,
 * c_len != 768 or H(dk[768:1568]) != dk[1568:1600]. Otherwise 0, and k is either the
 * shared secret or, for a ciphertext that does not re-encrypt, the implicit-rejection key
 * J(z || c) (chosen in constant time; the caller cannot tell the difference). */
int mlkem512_decaps(uint8_t k[32], const uint8_t *dk, size_t dk_len, const uint8_t *c,
                    size_t c_len);

/* FIPS 203 §7.2 encapsulation-key check: 0 if len == 800 and every 12-bit coefficient of
 * ek[0:768] is < 3329, else DNASYNC_EINVAL. */
int mlkem512_check_ek(const uint8_t *ek, size_t len);

/* FIPS 203 §7.3 decapsulation-key check: 0 if len == 1632 and
 * SHA3-256(dk[768:1568]) == dk[1568:1600], else DNASYNC_EINVAL. */
int mlkem512_check_dk(const uint8_t *dk, size_t len);

/* Randomized wrappers: d, z (keygen) and m (encaps) come from env->random_bytes
 * (dnasync/env.h; env NULL = the default environment). A randomness failure returns
 * DNASYNC_ERR and leaves the outputs zeroed. */
int mlkem512_keygen(uint8_t ek[800], uint8_t dk[1632], const dnasync_env_t *env);
int mlkem512_encaps(uint8_t c[768], uint8_t k[32], const uint8_t *ek, size_t ek_len,
                    const dnasync_env_t *env);

#ifdef __cplusplus
}
#endif
#endif
