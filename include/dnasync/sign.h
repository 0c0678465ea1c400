/* Ed25519 signatures (OpenSSL) for every value dnasync puts on the DHT.
 * The value layouts keep a scheme byte so a post-quantum signature can be added later. */
#ifndef DNASYNC_SIGN_H
#define DNASYNC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_SIGN_SCHEME_ED25519 1
#define DNASYNC_SIGN_PK_BYTES 32
#define DNASYNC_SIGN_SK_BYTES 32 /* the Ed25519 seed */
#define DNASYNC_SIGN_BYTES 64

/* Derive the public key from a 32-byte secret seed. 0 ok, DNASYNC_ECRYPTO. */
int dnasync_sign_public(uint8_t pk[32], const uint8_t sk[32]);
/* Sign msg[0..len) with the secret seed. 0 ok, DNASYNC_ECRYPTO. */
int dnasync_sign(uint8_t sig[64], const uint8_t sk[32], const uint8_t *msg, size_t len);
/* 0 if sig is a valid signature of msg by pk, DNASYNC_EAUTH otherwise. */
int dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[64]);

#ifdef __cplusplus
}
#endif
#endif
