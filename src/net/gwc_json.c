/* The gateway's JSON bodies (docs/gateway.md): ids as 16 hex digits, keys as 40, payloads in
 * standard base64. Answers are parsed strictly: anything unexpected is DNASYNC_ECORRUPT. */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "net/gwc.h"

#include "dnasync/status.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gwc_hex_id(uint64_t id, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)id);
}

void gwc_hex_key(const uint8_t key[DNASYNC_DHT_KEY_BYTES], char out[2 * DNASYNC_DHT_KEY_BYTES + 1])
{
    for (size_t i = 0; i < DNASYNC_DHT_KEY_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", key[i]);
}

static int parse_id(const json_t *j, uint64_t *id)
{
    const char *s = json_string_value(j);
    if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
        return -1;
    *id = strtoull(s, NULL, 16);
    return 0;
}

static char *base64(const uint8_t *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Standard base64 with padding; *out malloc'd. */
static int unbase64(const char *s, uint8_t **out, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4 != 0 || n > GW_MAX_BODY)
        return -1;
    uint8_t *buf = malloc(n / 4 * 3 + 1);
    if (!buf)
        return -1;
    int got = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
    if (got < 0) {
        free(buf);
        return -1;
    }
    size_t pad = (n > 0 && s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    *out = buf;
    *len = (size_t)got - pad; /* EVP_DecodeBlock counts the padding as zero bytes */
    return 0;
}

static int corrupt(char *err, const char *what)
{
    return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ECORRUPT, "gateway answer: %s", what);
}

static int value_of(const json_t *o, uint64_t *id, uint8_t **data, size_t *len)
{
    const char *d = json_string_value(json_object_get(o, "data"));
    if (!json_is_object(o) || parse_id(json_object_get(o, "id"), id) != 0 || !d)
        return -1;
    return unbase64(d, data, len);
}

int gwc_parse_value(const char *json, uint64_t *id, uint8_t **data, size_t *len)
{
    json_t *root = json_loads(json, 0, NULL);
    int rc = root ? value_of(root, id, data, len) : -1;
    json_decref(root);
    return rc;
}

static int values_of(const json_t *arr, dnasync_net_value_t **out, size_t *count, char *err)
{
    *out = NULL;
    *count = 0;
    if (!json_is_array(arr))
        return corrupt(err, "no values array");
    size_t n = json_array_size(arr);
    if (n == 0)
        return DNASYNC_OK;
    dnasync_net_value_t *v = calloc(n, sizeof *v);
    if (!v)
        return DNASYNC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (value_of(json_array_get(arr, i), &v[i].id, &v[i].data, &v[i].len) != 0) {
            dnasync_net_values_free(v, i);
            return corrupt(err, "malformed value");
        }
    *out = v;
    *count = n;
    return DNASYNC_OK;
}

int gwc_parse_values(const char *json, dnasync_net_value_t **out, size_t *count,
                     char err[DNASYNC_NET_ERR_MAX])
{
    json_t *root = json_loads(json, 0, NULL);
    int rc = root ? values_of(json_object_get(root, "values"), out, count, err)
                  : corrupt(err, "not JSON");
    json_decref(root);
    return rc;
}

int gwc_parse_ids(const char *json, uint64_t **ids, size_t *count, char err[DNASYNC_NET_ERR_MAX])
{
    *ids = NULL;
    *count = 0;
    json_t *root = json_loads(json, 0, NULL);
    const json_t *arr = json_object_get(root, "ids");
    int rc = json_is_array(arr) ? DNASYNC_OK : corrupt(err, "no ids array");
    size_t n = rc == 0 ? json_array_size(arr) : 0;
    if (n && !(*ids = malloc(n * sizeof **ids)))
        rc = DNASYNC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (parse_id(json_array_get(arr, i), &(*ids)[i]) != 0)
            rc = corrupt(err, "malformed id");
    if (rc == 0) {
        *count = n;
    } else {
        free(*ids);
        *ids = NULL;
    }
    json_decref(root);
    return rc;
}

char *gwc_put_body(const dnasync_net_put_t *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        char key[2 * DNASYNC_DHT_KEY_BYTES + 1], id[17], *data = base64(items[i].val, items[i].len);
        gwc_hex_key(items[i].key, key);
        gwc_hex_id(items[i].vid, id);
        json_t *o = data ? json_pack("{s:s,s:s,s:s,s:s}", "key", key, "kind",
                                     dht_kind_name(items[i].kind), "id", id, "data", data)
                         : NULL;
        free(data);
        if (o && items[i].created > 0)
            json_object_set_new(o, "created", json_integer(items[i].created));
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    json_t *root = arr ? json_pack("{s:o}", "values", arr) : NULL;
    char *body = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return body;
}

int gwc_parse_put(const char *json, dnasync_net_put_t *items, size_t n,
                  char err[DNASYNC_NET_ERR_MAX])
{
    json_t *root = json_loads(json, 0, NULL);
    const json_t *arr = json_object_get(root, "results");
    int rc = json_is_array(arr) && json_array_size(arr) == n
                 ? DNASYNC_OK
                 : corrupt(err, "not one put result per value");
    bool first = true;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *r = json_array_get(arr, i);
        const char *st = json_string_value(json_object_get(r, "status"));
        if (!st) {
            rc = corrupt(err, "put result without status");
            break;
        }
        items[i].ok = strcmp(st, "stored") == 0;
        if (!items[i].ok && first) { /* the reason of the first refusal, for the logs */
            const char *msg = json_string_value(json_object_get(r, "message"));
            snprintf(err, DNASYNC_NET_ERR_MAX, "gateway: value %zu %s%s%s", i, st, msg ? ": " : "",
                     msg ? msg : "");
            first = false;
        }
    }
    json_decref(root);
    return rc;
}

char *gwc_get_body(const dnasync_net_multi_t *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        char key[2 * DNASYNC_DHT_KEY_BYTES + 1];
        gwc_hex_key(items[i].key, key);
        if (json_array_append_new(arr, json_string(key)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    json_t *root = arr ? json_pack("{s:o}", "keys", arr) : NULL;
    char *body = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return body;
}

int gwc_parse_get_many(const char *json, dnasync_net_multi_t *items, size_t n,
                       char err[DNASYNC_NET_ERR_MAX])
{
    json_t *root = json_loads(json, 0, NULL);
    const json_t *arr = json_object_get(root, "results");
    int rc = json_is_array(arr) && json_array_size(arr) == n
                 ? DNASYNC_OK
                 : corrupt(err, "not one get result per key");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *r = json_array_get(arr, i);
        char key[2 * DNASYNC_DHT_KEY_BYTES + 1];
        gwc_hex_key(items[i].key, key);
        const char *k = json_string_value(json_object_get(r, "key"));
        const char *e = json_string_value(json_object_get(r, "error"));
        if (!k || strcasecmp(k, key) != 0)
            rc = corrupt(err, "get results out of order");
        else if (e)
            items[i].rc = strcmp(e, "timeout") == 0 ? DNASYNC_ETIMEOUT : DNASYNC_EDHT;
        else
            items[i].rc =
                values_of(json_object_get(r, "values"), &items[i].vals, &items[i].count, err);
    }
    json_decref(root);
    return rc;
}
