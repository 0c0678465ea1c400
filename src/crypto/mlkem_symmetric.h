/* Internal: the FIPS 203 §4.1 hash functions over OpenSSL EVP (SHA3/SHAKE).
 * Every function returns 0 or DNASYNC_ECRYPTO / DNASYNC_ENOMEM if OpenSSL fails. */
#ifndef DNASYNC_CRYPTO_MLKEM_SYMMETRIC_H
#define DNASYNC_CRYPTO_MLKEM_SYMMETRIC_H

#include <stddef.h>
#include <stdint.h>

/* H(s) = SHA3-256(s). */
int mlkem_hash_h(uint8_t out[32], const uint8_t *in, size_t len);
/* G(a || b) = SHA3-512(a || b), out = (first 32, last 32). */
int mlkem_hash_g(uint8_t out[64], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* J(z || c) = SHAKE256(z || c, 32 bytes). */
int mlkem_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t clen);
/* PRF_eta(s, n) = SHAKE256(s || n, outlen bytes). */
int mlkem_prf(uint8_t *out, size_t outlen, const uint8_t s[32], uint8_t n);

/* XOF = SHAKE128 with a fixed absorbed input. OpenSSL 3.0 has no incremental squeeze, so
 * mlkem_xof_squeeze returns the first outlen bytes of the output stream by finalising a copy
 * of the absorbed state; asking again with a larger outlen extends the same stream
 * (the shorter output is always a prefix of the longer one). */
typedef struct mlkem_xof {
    void *ctx; /* EVP_MD_CTX *, owned */
} mlkem_xof;

int mlkem_xof_init(mlkem_xof *x, const uint8_t *in, size_t len);
int mlkem_xof_squeeze(mlkem_xof *x, uint8_t *out, size_t outlen);
void mlkem_xof_free(mlkem_xof *x);

#endif
