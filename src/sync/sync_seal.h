/* Internal: sealing a message (sync_seal.c). */
#ifndef DNASYNC_SYNC_SEAL_H
#define DNASYNC_SYNC_SEAL_H

#include "sync/sync_context.h"

/* The associated data of a message: "dnasync-msg-v1" NUL sender NUL recipient NUL created_at.
 * *aad malloc'd, caller frees. DNASYNC_ENOMEM. */
int sync_message_aad(const char *sender, const char *recipient, int64_t created_at, uint8_t **aad,
                     size_t *aad_len);
/* Seal text for the given KEM keys and fill msg (ids, ciphertext, conversation; the strings and
 * ciphertext owned by msg, message_info_clear). The reason in ctx->err on failure. */
int sync_seal_message(sync_context_t *ctx, const char *sender, const char *recipient,
                      int64_t created_at, const uint8_t *text, size_t len,
                      const uint8_t *const *eks, size_t n_eks, message_info_t *msg);

#endif
