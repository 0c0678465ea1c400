#define _POSIX_C_SOURCE 200809L
#include "dnasync/message.h"

#include "dnasync/status.h"

#include <stdlib.h>
#include <string.h>

void message_info_clear(message_info_t *msg)
{
    if (!msg)
        return;
    free(msg->sender);
    free(msg->recipient);
    free(msg->ciphertext);
    memset(msg, 0, sizeof *msg);
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

int message_info_copy(message_info_t *dst, const message_info_t *src)
{
    *dst = *src;
    dst->sender = dup_str(src->sender);
    dst->recipient = dup_str(src->recipient);
    dst->ciphertext = NULL;
    if (src->ciphertext_len) {
        dst->ciphertext = malloc(src->ciphertext_len);
        if (dst->ciphertext)
            memcpy(dst->ciphertext, src->ciphertext, src->ciphertext_len);
    }
    if ((src->sender && !dst->sender) || (src->recipient && !dst->recipient) ||
        (src->ciphertext_len && !dst->ciphertext)) {
        message_info_clear(dst);
        return DNASYNC_ENOMEM;
    }
    return DNASYNC_OK;
}
