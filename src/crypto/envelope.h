/* The envelope: one body encrypted once with AES-256-GCM under a random content key, and that
 * content key wrapped for each recipient with ML-KEM-512 + HKDF-SHA256 + AES-256-GCM.
 * docs/envelope.md gives the byte layout (version 1) precisely enough for another client. */
#ifndef DNASYNC_ENVELOPE_H
#define DNASYNC_ENVELOPE_H

#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_ENVELOPE_VERSION 1
#define DNASYNC_ENVELOPE_MAX_RECIPIENTS 16
#define DNASYNC_ENVELOPE_MAX_BODY 49152 /* 48 KiB: a sealed value stays below 64 KiB */
#define DNASYNC_ENVELOPE_KEY_ID_BYTES 8
/* Per-recipient slot: key id 8, ML-KEM ciphertext 768, wrap nonce 12, wrapped key 32, tag 16. */
#define DNASYNC_ENVELOPE_SLOT_BYTES 836
/* Sealed size for n recipients (after de-duplication) and a body of body_len bytes:
 * version 1 + count 1 + n slots + body nonce 12 + body + tag 16. */
#define DNASYNC_ENVELOPE_SIZE(n, body_len)                                                         \
    (2u + (size_t)(n)*DNASYNC_ENVELOPE_SLOT_BYTES + 12u + (size_t)(body_len) + 16u)
/* The largest envelope dnasync ever produces or accepts (16 recipients, 48 KiB): 62558 B. */
#define DNASYNC_ENVELOPE_MAX_BYTES                                                                 \
    DNASYNC_ENVELOPE_SIZE(DNASYNC_ENVELOPE_MAX_RECIPIENTS, DNASYNC_ENVELOPE_MAX_BODY)

/* Key id of an ML-KEM-512 encapsulation key (800 bytes): the first 8 bytes of SHA3-256(ek).
 * 0 ok, DNASYNC_ECRYPTO if hashing fails. */
int dnasync_envelope_key_id(const uint8_t *ek, uint8_t id[DNASYNC_ENVELOPE_KEY_ID_BYTES]);

/* Seal body[0..body_len) to each of n_recipients ML-KEM-512 encapsulation keys (800 bytes
 * each; pass the addressee's and the sender's own so the sender's other devices can read it).
 * A key given twice gets one slot. aad[0..aad_len) (may be NULL when aad_len is 0) is
 * authenticated, not stored: the opener must pass the same bytes. Randomness comes from env
 * (NULL = default). On success *out (caller frees with free()) holds *out_len bytes.
 * 0 ok; DNASYNC_EINVAL (no/too many recipients, NULL pointers, a key that fails the FIPS 203
 * input check), DNASYNC_ETOOBIG (body over DNASYNC_ENVELOPE_MAX_BODY), DNASYNC_ECRYPTO (RNG or
 * OpenSSL failure; nothing is returned), DNASYNC_ENOMEM. */
int dnasync_envelope_seal(const uint8_t *const *recipient_eks, size_t n_recipients,
                          const uint8_t *aad, size_t aad_len, const uint8_t *body, size_t body_len,
                          const dnasync_env_t *env, uint8_t **out, size_t *out_len);

/* Open an envelope with this identity's ML-KEM-512 decapsulation key dk (1632 bytes) and its
 * encapsulation key ek (800 bytes; its key id finds the slot). On success *body (caller frees
 * with free(); never NULL, even for an empty body) holds *body_len bytes.
 * Errors (errbuf, if not NULL, gets one line naming the problem):
 *   DNASYNC_ECORRUPT  truncated, wrong version, bad recipient count, over-size
 *   DNASYNC_ECRYPTO   not addressed to this identity, or any authentication failure
 *                     (tampered header, key slot, body, or different aad)
 *   DNASYNC_EINVAL / DNASYNC_ENOMEM. */
int dnasync_envelope_open(const uint8_t *dk, const uint8_t *ek, const uint8_t *aad, size_t aad_len,
                          const uint8_t *env_bytes, size_t len, uint8_t **body, size_t *body_len,
                          char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
