/* Contacts: which key a name stands for (sync_contacts.c, docs/trust.md).
 *
 * A name on the DHT is only a claim: anyone can publish an identity record for any name. A
 * device pins the key it first resolves for a name (trust on first use) and refuses a changed
 * key later. When more than one key claims a name that is not pinned yet, nothing is picked:
 * the caller gets DNASYNC_EEXIST and an error naming every claim, and chooses one by its
 * fingerprint: the address "NAME#HEX" (a unique prefix of >= 8 hex digits of the fingerprint
 * of crypto/fingerprint.h) pins that key. sync_send accepts such an address as recipient. */
#ifndef DNASYNC_CONTACTS_H
#define DNASYNC_CONTACTS_H

#include "dnasync/message.h"
#include "dnasync/sync_protocol.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Split "NAME" or "NAME#HEX" (HEX a fingerprint prefix). name gets NAME, prefix gets HEX or "".
 * 0 ok; DNASYNC_EINVAL with the reason in errbuf (bad name, prefix too short or not hex). */
int sync_contact_parse(const char *address, char name[DNASYNC_NAME_MAX + 1], char prefix[65],
                       char *errbuf, size_t errlen);

/* Resolve address on the DHT (unless already pinned) and pin the key it names; name gets the
 * bare NAME. 0 ok; DNASYNC_EEXIST (several keys claim it and nothing chose one, or the prefix is
 * ambiguous: the error lists them), DNASYNC_ENOTFOUND (no claim, or none with that prefix),
 * DNASYNC_EAUTH (pinned to another key), DNASYNC_EDHT, DNASYNC_EINVAL. */
int sync_contact_pin(sync_context_t *ctx, const char *address, char name[DNASYNC_NAME_MAX + 1]);

/* A key that claims a name on the DHT. */
typedef struct sync_claim {
    uint8_t fingerprint[32];
    uint64_t claimed_at; /* the record's own created_at (never trusted: shown, not used) */
} sync_claim_t;

/* Every distinct key that validly claims name on the DHT now (at most SYNC_MAX_CLAIMS).
 * *out freed with free() (NULL when n is 0). 0 ok (also when there is none), DNASYNC_EDHT. */
#define SYNC_MAX_CLAIMS 64
int sync_name_claims(sync_context_t *ctx, const char *name, sync_claim_t **out, size_t *n);

/* --- for the engine (caller holds ctx->lock) --- */

/* The keys of name: own keys, the pinned ones, or the one key claiming it on the DHT (then
 * pinned); prefix (NULL or "" = none) a fingerprint prefix that chooses among several claims
 * and must match a pinned key. kem_ek (800 B) may be NULL. DNASYNC_EEXIST when several keys
 * claim an unpinned name (the error lists them); docs/trust.md. */
int sv_resolve(sync_context_t *ctx, const char *name, const char *prefix, uint8_t sign_pk[32],
               uint8_t *kem_ek);
/* The KEM public key of `name` (sv_resolve without a prefix). *ek malloc'd (800 B). */
int sv_resolve_kem_key(sync_context_t *ctx, const char *name, uint8_t **ek);
/* 1 when the network serves the key pair (sign_pk, kem_ek, 800 B) among the claims of name now;
 * 0 when not, or when the claims cannot be read. */
int sync_claim_served(sync_context_t *ctx, const char *name, const uint8_t sign_pk[32],
                      const uint8_t *kem_ek);

#ifdef __cplusplus
}
#endif
#endif
