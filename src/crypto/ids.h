/* Identifiers: message ids, conversation ids, the per-device id, and the default home.
 *
 * Exact formulas (all hashes are SHA-256, printed as 64 lowercase hex characters):
 *
 *   message_id      = SHA-256( sender ‖ recipient ‖ LE64(timestamp) ‖ ct[0 .. min(64, ct_len)) )
 *       sender and recipient are their UTF-8 bytes without a terminator; LE64 is the timestamp as
 *       8 bytes little-endian on every host (the spec's memcpy of a uint64_t was host order);
 *       only the first 64 bytes of the ciphertext count. Hashed incrementally: names of any
 *       length are fine (the spec's fixed 4096-byte buffer is not used).
 *
 *   conversation_id = SHA-256( p_1 ‖ 0x00 ‖ p_2 ‖ 0x00 ‖ ... ‖ p_k ‖ 0x00 )
 *       p_1 < p_2 < ... < p_k are the distinct participant names sorted bytewise (strcmp order),
 *       duplicates removed; each is followed by one 0x00 byte. A note-to-self ({alice, alice}) is
 *       SHA-256("alice\0"). The id of {a, b} is the same whichever side computes it.
 *
 *   device_id       = 16 random bytes (from the env) as 32 lowercase hex characters, stored once
 *       in <home>/device_id. */
#ifndef DNASYNC_IDS_H
#define DNASYNC_IDS_H

#include "dnasync/env.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out receives 64 hex chars + NUL. sender/recipient must be non-NULL; ct may be NULL when
 * ct_len is 0. 0 ok, DNASYNC_EINVAL (NULL argument), DNASYNC_ECRYPTO (OpenSSL failure). */
int dnasync_message_id(const char *sender, const char *recipient, uint64_t timestamp,
                       const uint8_t *ct, size_t ct_len, char out[65]);

/* participants: n >= 1 non-NULL NUL-terminated names (borrowed, not modified; any order,
 * duplicates allowed). out receives 64 hex chars + NUL. 0 ok, DNASYNC_EINVAL, DNASYNC_ENOMEM,
 * DNASYNC_ECRYPTO. */
int dnasync_conversation_id(const char *const *participants, size_t n, char out[65]);

/* Reads <home>/device_id: exactly 32 lowercase hex characters, optionally followed by one '\n'.
 * If the file does not exist it is created once (16 random bytes from env, NULL = default env):
 * written to an O_EXCL temp file in <home> with mode 0600, fsync'd, then linked into place with
 * no-replace semantics (a concurrently created device_id wins and is read back), and the directory
 * is fsync'd. <home> must exist. A corrupt (wrong length, non-hex, uppercase) or unreadable file
 * is an error (DNASYNC_ECORRUPT / DNASYNC_EIO) whose message, written to errbuf (may be NULL),
 * names the file and the reason; such a file is never replaced. out receives 32 chars + NUL. */
int dnasync_device_id_load_or_create(const char *home, const dnasync_env_t *env, char out[33],
                                     char *errbuf, size_t errlen);

/* The same without creating: a missing file is DNASYNC_ENOTFOUND ("<home>/device_id is
 * missing"). For a home whose cache already exists: a new id would make its data another
 * device's. */
int dnasync_device_id_load(const char *home, char out[33], char *errbuf, size_t errlen);

/* The default home when no explicit one was given (the caller handles an explicit argument):
 * $DNA_HOME if set and non-empty, else $HOME/.dna. Writes into buf and returns buf, or returns
 * NULL when neither variable is set or the path does not fit in len bytes. */
const char *dnasync_default_home(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
