/* DHT key names (see src/dht/dht_keys.h and docs/dht.md). */
#include "dht/dht_keys.h"

#include "common/hex.h"

#include "common/names.h"
#include "dnasync/message.h"
#include "dnasync/status.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

int64_t dht_upload_day(uint64_t unix_s)
{
    return (int64_t)(unix_s / DNASYNC_DAY_S);
}

int dht_shard_of(const char *id)
{
    uint8_t b[DNASYNC_ID_HEX_LEN / 2];
    if (!id || dnasync_hex_decode(id, b, sizeof b) != 0)
        return DNASYNC_EINVAL;
    return b[0] % DNASYNC_DHT_SHARDS;
}

int dht_name_valid(const char *name)
{
    return dnasync_name_check(name, NULL, 0) == 0;
}

static int fit(int n, size_t outlen)
{
    return (n > 0 && (size_t)n < outlen) ? DNASYNC_OK : DNASYNC_EINVAL;
}

int dht_key_name_box(char *out, size_t outlen, const char *mailbox, int64_t day, int shard)
{
    if (!out || !dht_name_valid(mailbox) || day < 0 || shard < 0 || shard >= DNASYNC_DHT_SHARDS)
        return DNASYNC_EINVAL;
    return fit(snprintf(out, outlen, "dnasync/1/box/%s/%lld/%d", mailbox, (long long)day, shard),
               outlen);
}

int dht_key_name_sum(char *out, size_t outlen, const char *mailbox, int64_t day)
{
    if (!out || !dht_name_valid(mailbox) || day < 0)
        return DNASYNC_EINVAL;
    return fit(snprintf(out, outlen, "dnasync/1/sum/%s/%lld", mailbox, (long long)day), outlen);
}

int dht_key_name_bell(char *out, size_t outlen, const char *mailbox, int64_t day)
{
    if (!out || !dht_name_valid(mailbox) || day < 0)
        return DNASYNC_EINVAL;
    return fit(snprintf(out, outlen, "dnasync/1/bell/%s/%lld", mailbox, (long long)day), outlen);
}

int dht_key_name_id(char *out, size_t outlen, const char *name)
{
    if (!out || !dht_name_valid(name))
        return DNASYNC_EINVAL;
    return fit(snprintf(out, outlen, "dnasync/1/id/%s", name), outlen);
}

void dht_key_hash(const char *name, uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    SHA1((const unsigned char *)name, strlen(name), key);
}

int dht_key_box(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day, int shard)
{
    char name[DNASYNC_DHT_KEYNAME_MAX];
    int rc = dht_key_name_box(name, sizeof name, mailbox, day, shard);
    if (rc == 0)
        dht_key_hash(name, key);
    return rc;
}

int dht_key_sum(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day)
{
    char name[DNASYNC_DHT_KEYNAME_MAX];
    int rc = dht_key_name_sum(name, sizeof name, mailbox, day);
    if (rc == 0)
        dht_key_hash(name, key);
    return rc;
}

int dht_key_bell(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *mailbox, int64_t day)
{
    char name[DNASYNC_DHT_KEYNAME_MAX];
    int rc = dht_key_name_bell(name, sizeof name, mailbox, day);
    if (rc == 0)
        dht_key_hash(name, key);
    return rc;
}

int dht_key_id(uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *name)
{
    char nm[DNASYNC_DHT_KEYNAME_MAX];
    int rc = dht_key_name_id(nm, sizeof nm, name);
    if (rc == 0)
        dht_key_hash(nm, key);
    return rc;
}
