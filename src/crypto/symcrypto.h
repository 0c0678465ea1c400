/* Internal: the symmetric primitives the crypto layer builds on, all over OpenSSL 3.0 EVP.
 * Every function returns 0 on success or a negative dnasync status; none allocates memory the
 * caller must free. */
#ifndef DNASYNC_CRYPTO_SYMCRYPTO_H
#define DNASYNC_CRYPTO_SYMCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define DNASYNC_GCM_KEY_BYTES 32
#define DNASYNC_GCM_NONCE_BYTES 12
#define DNASYNC_GCM_TAG_BYTES 16

/* SHA-256 / SHA3-256 of in[0..len). DNASYNC_ECRYPTO if OpenSSL fails. */
int dnasync_sha256(const uint8_t *in, size_t len, uint8_t out[32]);
int dnasync_sha3_256(const uint8_t *in, size_t len, uint8_t out[32]);

/* HKDF-SHA256 (RFC 5869, extract then expand) into out[0..out_len). salt and info may be NULL
 * when their length is 0. DNASYNC_ECRYPTO if OpenSSL fails. */
int dnasync_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                        const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

/* The associated data of one AES-256-GCM call: the concatenation of up to two parts
 * (a NULL pointer or a zero length is an empty part). */
typedef struct dnasync_aad {
    const uint8_t *p1;
    size_t n1;
    const uint8_t *p2;
    size_t n2;
} dnasync_aad_t;

/* AES-256-GCM with a 12-byte nonce and a 16-byte tag. aad may be NULL (none).
 * seal: ct[0..pt_len) gets the ciphertext, tag[0..16) the tag. ct may equal pt.
 * open: pt[0..ct_len) gets the plaintext; DNASYNC_ECRYPTO when the tag does not verify (pt is
 * then zeroed). pt and ct may be NULL when their length is 0. */
int dnasync_gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const dnasync_aad_t *aad,
                     const uint8_t *pt, size_t pt_len, uint8_t *ct, uint8_t tag[16]);
int dnasync_gcm_open(const uint8_t key[32], const uint8_t nonce[12], const dnasync_aad_t *aad,
                     const uint8_t *ct, size_t ct_len, const uint8_t tag[16], uint8_t *pt);

/* Constant-time comparison: 1 when a[0..len) equals b[0..len). */
int dnasync_ct_equal(const uint8_t *a, const uint8_t *b, size_t len);

#endif
