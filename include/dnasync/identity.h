/* Identities: one 32-byte master secret per identity, from which every device of that identity
 * derives the same Ed25519 signing key and ML-KEM-512 key pair; the identity file in a home; the
 * pin store of other identities' keys; link codes that carry an identity to a new device.
 * docs/envelope.md documents every derivation and file format. */
#ifndef DNASYNC_IDENTITY_H
#define DNASYNC_IDENTITY_H

#include "dnasync/export.h"

#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_MASTER_BYTES 32
#ifndef DNASYNC_NAME_MAX
#define DNASYNC_NAME_MAX 64 /* as in dnasync/message.h */
#endif
#define DNASYNC_KEM_EK_BYTES 800  /* = MLKEM512_EK_BYTES */
#define DNASYNC_KEM_DK_BYTES 1632 /* = MLKEM512_DK_BYTES */

/* A loaded identity. Always heap-allocated by the functions below and released with
 * dnasync_identity_free (which wipes the secrets). Read the fields freely; do not modify them. */
typedef struct dnasync_identity {
    char name[DNASYNC_NAME_MAX + 1];      /* NUL-terminated, valid per dnasync_name_check */
    uint8_t master[DNASYNC_MASTER_BYTES]; /* SECRET: the identity's root */
    uint8_t sign_pk[32];                  /* Ed25519 public key */
    uint8_t sign_sk[32];                  /* SECRET: Ed25519 seed (for dnasync_sign) */
    uint8_t kem_ek[DNASYNC_KEM_EK_BYTES]; /* ML-KEM-512 encapsulation key */
    uint8_t kem_dk[DNASYNC_KEM_DK_BYTES]; /* SECRET: ML-KEM-512 decapsulation key */
    uint8_t kem_key_id[8];                /* dnasync_envelope_key_id(kem_ek) */
    /* sign_sk built once for signing (the crypto layer's dnasync_sign_with); owned, freed
     * with the identity */
    struct dnasync_sign_key *sign_key;
} dnasync_identity_t;

/* Derive every key from a master secret (deterministic). name must pass dnasync_name_check.
 * *out freed with dnasync_identity_free. 0 ok, DNASYNC_EINVAL, DNASYNC_ECRYPTO, DNASYNC_ENOMEM. */
DNASYNC_API int dnasync_identity_from_master(const char *name,
                                             const uint8_t master[DNASYNC_MASTER_BYTES],
                                             dnasync_identity_t **out);

/* Make a fresh master secret (from env; NULL = default) and write <home>/identity (mode 0600,
 * written to a temporary file, fsync'd, then linked into place). home is created (mode 0700)
 * if missing, but not its parents. Never overwrites: an existing identity gives DNASYNC_EEXIST.
 * *out (may be NULL if not wanted) freed with dnasync_identity_free. errbuf (may be NULL) gets
 * one line naming the problem. 0 ok, DNASYNC_EINVAL (bad name), DNASYNC_EEXIST, DNASYNC_EIO,
 * DNASYNC_ECRYPTO, DNASYNC_ENOMEM. */
DNASYNC_API int dnasync_identity_create(const char *home, const char *name,
                                        const dnasync_env_t *env, dnasync_identity_t **out,
                                        char *errbuf, size_t errlen);

/* Read <home>/identity and derive the keys. *out freed with dnasync_identity_free.
 * DNASYNC_ENOTFOUND (no identity file), DNASYNC_EIO (unreadable, not a regular file, or readable
 * or writable by group/others), DNASYNC_ECORRUPT (damaged: bad magic, version, length, name or
 * checksum; the file is left untouched). Every message names the file. */
DNASYNC_API int dnasync_identity_load(const char *home, dnasync_identity_t **out, char *errbuf,
                                      size_t errlen);

/* Wipes the secrets and frees. NULL is a no-op. */
DNASYNC_API void dnasync_identity_free(dnasync_identity_t *id);

/* --- pins: <home>/pins, trust on first use ---------------------------------------------- */

/* Check name's keys against the pin store, pinning them on first sight. kem_ek is 800 bytes
 * (the pin keeps its SHA3-256). 0 when the keys match the pin or were just pinned;
 * DNASYNC_EAUTH when name is pinned to other keys ("identity key for 'bob' changed: pinned …
 * now … — refusing"); DNASYNC_ECORRUPT (damaged pin file, left untouched), DNASYNC_EIO,
 * DNASYNC_EINVAL (bad name). Safe against concurrent callers (threads and processes). */
DNASYNC_API int dnasync_pin_check_or_add(const char *home, const char *name,
                                         const uint8_t sign_pk[32], const uint8_t *kem_ek,
                                         char *errbuf, size_t errlen);

/* One pinned contact. fingerprint = SHA3-256("dnasync-fingerprint-v1" || sign_pk || kem_hash)
 * (docs/trust.md); verified when the user confirmed the safety number for exactly this
 * fingerprint (dnasync_pin_set_verified). */
typedef struct dnasync_pin {
    char name[DNASYNC_NAME_MAX + 1];
    uint8_t sign_pk[32];
    uint8_t kem_hash[32]; /* SHA3-256 of the ML-KEM-512 encapsulation key */
    uint8_t fingerprint[32];
    int verified;
} dnasync_pin_t;

/* name's pin: 0 (filled), DNASYNC_ENOTFOUND (not pinned, also when there is no store),
 * DNASYNC_ECORRUPT, DNASYNC_EIO, DNASYNC_EINVAL. */
DNASYNC_API int dnasync_pin_lookup(const char *home, const char *name, dnasync_pin_t *out,
                                   char *errbuf, size_t errlen);
/* Record that the safety number of name's pinned key (fingerprint fp) was compared.
 * DNASYNC_ENOTFOUND (not pinned), DNASYNC_EAUTH (pinned to another fingerprint), or as above. */
DNASYNC_API int dnasync_pin_set_verified(const char *home, const char *name, const uint8_t fp[32],
                                         char *errbuf, size_t errlen);
/* Every pin in store order. *out freed with free() (NULL when none). */
DNASYNC_API int dnasync_pins_list(const char *home, dnasync_pin_t **out, size_t *n, char *errbuf,
                                  size_t errlen);

/* --- link codes: move an identity to another device ---------------------------------------- */

#define DNASYNC_LINKCODE_PREFIX "DNA1-"
#define DNASYNC_LINKCODE_LOG2N_DEFAULT 15 /* scrypt N = 2^15, r = 8, p = 1: 32 MiB */
#define DNASYNC_LINKCODE_LOG2N_MIN 10     /* codes outside [MIN, MAX] are refused */
#define DNASYNC_LINKCODE_LOG2N_MAX 20
#define DNASYNC_LINKCODE_PASSPHRASE_MIN 12   /* bytes; make refuses shorter (docs/envelope.md) */
#define DNASYNC_LINKCODE_VALID_DEFAULT_S 900 /* a code expires 15 minutes after it is made */
#define DNASYNC_LINKCODE_VALID_MAX_S (7 * 86400) /* longest validity make accepts */

/* A printable link code ("DNA1-" + base32) carrying id's name and master secret encrypted with
 * AES-256-GCM under scrypt(passphrase). *code_out freed with free(). Randomness from env.
 * 0 ok; DNASYNC_EINVAL (NULL argument, passphrase shorter than DNASYNC_LINKCODE_PASSPHRASE_MIN
 * bytes), DNASYNC_ECRYPTO (RNG or OpenSSL failure), DNASYNC_ENOMEM. */
DNASYNC_API int dnasync_linkcode_make(const dnasync_identity_t *id, const char *passphrase,
                                      const dnasync_env_t *env, char **code_out);
/* The same with scrypt N = 2^log2_n (r = 8, p = 1); the code records the parameters. Tests use a
 * small log2_n; anything outside [DNASYNC_LINKCODE_LOG2N_MIN, _MAX] is DNASYNC_EINVAL. */
DNASYNC_API int dnasync_linkcode_make_params(const dnasync_identity_t *id, const char *passphrase,
                                             unsigned log2_n, const dnasync_env_t *env,
                                             char **code_out);
/* The same, valid for valid_s seconds from env's now (1..DNASYNC_LINKCODE_VALID_MAX_S, else
 * DNASYNC_EINVAL) instead of DNASYNC_LINKCODE_VALID_DEFAULT_S. The expiry time is inside the
 * authenticated header: join refuses the code after it. */
DNASYNC_API int dnasync_linkcode_make_valid(const dnasync_identity_t *id, const char *passphrase,
                                            unsigned log2_n, uint32_t valid_s,
                                            const dnasync_env_t *env, char **code_out);

/* Decrypt code with passphrase and write <home>/identity with the same master secret, creating
 * home (mode 0700) if it does not exist. On any failure nothing is created.
 * env may be NULL (the real clock, for the expiry). The CLI's `join` then calls
 * dnasync_home_prepare for the device id and cache.
 * *out (may be NULL) freed with dnasync_identity_free. Errors (errbuf gets one line):
 *   DNASYNC_ECORRUPT  damaged or mistyped code (bad prefix, character, length or checksum)
 *   DNASYNC_EINVAL    unsupported code version or absurd KDF parameters
 *   DNASYNC_EAUTH     wrong passphrase, or the code expired (env's clock; NULL = real clock)
 *   DNASYNC_EEXIST    home already has an identity
 *   DNASYNC_EIO, DNASYNC_ENOMEM. */
DNASYNC_API int dnasync_linkcode_join(const char *home, const char *code, const char *passphrase,
                                      const dnasync_env_t *env, dnasync_identity_t **out,
                                      char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
