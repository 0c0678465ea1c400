/* Key fingerprints and safety numbers: the one definition of "which keys" a person compares.
 *
 * fingerprint = SHA3-256("dnasync-fingerprint-v1" || Ed25519 public key (32 B) ||
 *                        SHA3-256(ML-KEM-512 encapsulation key) (32 B)),
 * written as 64 lowercase hex digits. It covers both keys of an identity: who signs and who can
 * read. A contact is addressed by a unique prefix of it ("carol#8af99795", >= 8 hex digits).
 *
 * safety number of two identities = 60 decimal digits in 12 groups of 5, from SHA3-256 over
 * both fingerprints in sorted order, so both parties compute the same number (docs/trust.md). */
#ifndef DNASYNC_FINGERPRINT_H
#define DNASYNC_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_FP_BYTES 32
#define DNASYNC_FP_HEX_LEN 64
#define DNASYNC_FP_PREFIX_MIN 8 /* hex digits a contact address must give */
#define DNASYNC_SAFETY_LEN 71   /* 12 groups of 5 digits, 11 spaces */

/* From the signing key and the full 800-byte KEM key. 0 ok, DNASYNC_ECRYPTO. */
int dnasync_fingerprint(const uint8_t sign_pk[32], const uint8_t *kem_ek,
                        uint8_t out[DNASYNC_FP_BYTES]);
/* The same from the SHA3-256 of the KEM key (what the pin store keeps). */
int dnasync_fingerprint_hashed(const uint8_t sign_pk[32], const uint8_t kem_hash[32],
                               uint8_t out[DNASYNC_FP_BYTES]);
/* out: 64 lowercase hex digits and a NUL. */
void dnasync_fingerprint_hex(const uint8_t fp[DNASYNC_FP_BYTES], char out[DNASYNC_FP_HEX_LEN + 1]);
/* 1 when prefix (DNASYNC_FP_PREFIX_MIN..64 hex digits, either case) starts fp's hex form. */
int dnasync_fingerprint_matches(const uint8_t fp[DNASYNC_FP_BYTES], const char *prefix);
/* 0 when s is a usable prefix; else DNASYNC_EINVAL with the reason in errbuf (may be NULL). */
int dnasync_fingerprint_prefix_check(const char *s, char *errbuf, size_t errlen);

/* The safety number of two fingerprints (order does not matter): "12345 67890 ..." and a NUL.
 * 0 ok, DNASYNC_ECRYPTO. */
int dnasync_safety_number(const uint8_t a[DNASYNC_FP_BYTES], const uint8_t b[DNASYNC_FP_BYTES],
                          char out[DNASYNC_SAFETY_LEN + 1]);

#ifdef __cplusplus
}
#endif
#endif
