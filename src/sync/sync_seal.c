/* Sealing a message's text for its readers' KEM keys, bound to who wrote it to whom and when
 * (the associated data every reader recomputes). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_seal.h"

#include "crypto/envelope.h"
#include "crypto/ids.h"

#include <stdlib.h>
#include <string.h>

int sync_message_aad(const char *sender, const char *recipient, int64_t created_at, uint8_t **aad,
                     size_t *aad_len)
{
    /* "dnasync-msg-v1" NUL sender NUL recipient NUL created_at (8 bytes little-endian) */
    static const char tag[] = "dnasync-msg-v1";
    size_t ls = strlen(sender), lr = strlen(recipient);
    size_t n = sizeof tag + ls + 1 + lr + 1 + 8;
    uint8_t *p = malloc(n);
    if (!p)
        return DNASYNC_ENOMEM;
    size_t o = 0;
    memcpy(p, tag, sizeof tag), o += sizeof tag;
    memcpy(p + o, sender, ls + 1), o += ls + 1;
    memcpy(p + o, recipient, lr + 1), o += lr + 1;
    for (int i = 0; i < 8; i++)
        p[o++] = (uint8_t)((uint64_t)created_at >> (8 * i));
    *aad = p;
    *aad_len = n;
    return DNASYNC_OK;
}

int sync_seal_message(sync_context_t *ctx, const char *sender, const char *recipient,
                      int64_t created_at, const uint8_t *text, size_t len,
                      const uint8_t *const *eks, size_t n_eks, message_info_t *msg)
{
    uint8_t *aad = NULL;
    size_t aad_len = 0;
    int rc = sync_message_aad(sender, recipient, created_at, &aad, &aad_len);
    if (rc == 0)
        rc = dnasync_envelope_seal(eks, n_eks, aad, aad_len, text, len, ctx->env, &msg->ciphertext,
                                   &msg->ciphertext_len);
    free(aad);
    if (rc != 0)
        return dnasync_err_set(&ctx->err, rc, "cannot encrypt the message: %s",
                               dnasync_strerror(rc));
    msg->sender = strdup(sender);
    msg->recipient = strdup(recipient);
    if (!msg->sender || !msg->recipient)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    msg->created_at = created_at;
    strcpy(msg->status, "sent");
    rc = dnasync_message_id(sender, recipient, (uint64_t)created_at, msg->ciphertext,
                            msg->ciphertext_len, msg->message_id);
    const char *parts[2] = {sender, recipient};
    if (rc == 0)
        rc = dnasync_conversation_id(parts, 2, msg->conversation_id);
    return rc == 0 ? 0 : dnasync_err_set(&ctx->err, rc, "cannot compute the message id");
}
