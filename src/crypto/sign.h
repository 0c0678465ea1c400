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
/* A signing key built once from a secret seed, for signing many messages with it:
 * dnasync_sign builds the OpenSSL key (a scalar multiplication to derive the public key) on
 * every call. Caller frees with dnasync_sign_key_free (which wipes it). A built key may sign from
 * several threads at once. */
typedef struct dnasync_sign_key dnasync_sign_key_t;
/* 0 ok, DNASYNC_EINVAL, DNASYNC_ENOMEM, DNASYNC_ECRYPTO. */
int dnasync_sign_key_new(const uint8_t sk[32], dnasync_sign_key_t **out);
/* Its public key (32 bytes); borrowed, valid until dnasync_sign_key_free. */
const uint8_t *dnasync_sign_key_public(const dnasync_sign_key_t *key);
/* The same signature as dnasync_sign with the key's seed. 0 ok, DNASYNC_ECRYPTO. */
int dnasync_sign_with(const dnasync_sign_key_t *key, uint8_t sig[64], const uint8_t *msg,
                      size_t len);
/* NULL is a no-op. */
void dnasync_sign_key_free(dnasync_sign_key_t *key);

/* 0 if sig is a valid signature of msg by pk, DNASYNC_EAUTH otherwise. */
int dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[64]);

#ifdef __cplusplus
}
#endif
#endif
