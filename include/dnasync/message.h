/* message_info_t: one message as the cache stores it and the sync engine moves it. */
#ifndef DNASYNC_MESSAGE_H
#define DNASYNC_MESSAGE_H

#include "dnasync/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DNASYNC_ID_HEX_LEN 64    /* message and conversation ids: SHA-256 as lowercase hex */
#define DNASYNC_DEVICE_ID_LEN 32 /* device id: 16 random bytes as lowercase hex */
#define DNASYNC_NAME_MAX 64      /* identity names: 1..64 bytes of valid UTF-8 */

typedef struct message_info {
    char message_id[DNASYNC_ID_HEX_LEN + 1];
    char conversation_id[DNASYNC_ID_HEX_LEN + 1];
    char *sender;        /* owned by the struct; freed by message_info_clear */
    char *recipient;     /* owned */
    uint8_t *ciphertext; /* owned; the encrypted envelope exactly as on the DHT */
    size_t ciphertext_len;
    char status[12];      /* "sent", "delivered" or "read" */
    int64_t created_at;   /* Unix seconds, set by the sender */
    int64_t delivered_at; /* 0 = not set */
    int64_t read_at;      /* 0 = not set */
    bool synced_to_dht;
    bool deleted;
    int64_t group_id; /* 0 = none */
} message_info_t;

/* Frees the owned fields and zeroes the struct; safe on a zeroed struct. */
DNASYNC_API void message_info_clear(message_info_t *msg);
/* Deep copy; dst must be zeroed or cleared. 0 ok, DNASYNC_ENOMEM. */
DNASYNC_API int message_info_copy(message_info_t *dst, const message_info_t *src);

#ifdef __cplusplus
}
#endif
#endif
