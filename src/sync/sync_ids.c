/* The 64-bit value id of a tombstone: one per deleting device, so two devices deleting the same
 * message (or a message deleted the day it was sent, in the same bucket) put distinct values
 * and every writer's summary stays exact. */
#include "sync/sync_values.h"

#include <openssl/evp.h>
#include <string.h>

uint64_t sv_tombstone_vid(const char *message_id, const char *device_id)
{
    static const char tag[] = "dnasync/1/tomb/";
    uint8_t md[32];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, tag, sizeof tag - 1) == 1 &&
             EVP_DigestUpdate(c, message_id, strlen(message_id)) == 1 &&
             EVP_DigestUpdate(c, "/", 1) == 1 &&
             EVP_DigestUpdate(c, device_id, strlen(device_id)) == 1 &&
             EVP_DigestFinal_ex(c, md, &len) == 1;
    EVP_MD_CTX_free(c);
    uint64_t v = 0;
    for (int i = 0; ok && i < 8; i++)
        v = v << 8 | md[i];
    return v ? v : 1;
}
