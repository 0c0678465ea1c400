/* The gateway's request parsing (see gw_parse.h). */
#include "node/gw_parse.h"

#include "dht/dht_codec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *gw_status_name(gw_status_t st)
{
    static const char *const names[] = {
        "pending",      "stored",        "not_confirmed", "malformed", "too_big",
        "unknown_type", "kind_mismatch", "bad_signature", "bad_id",    "wrong_key",
        "bad_created",  "no_identity",   "not_owner",     "refused"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "unknown";
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int gw_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (!s || slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int gw_parse_vid(const char *s, size_t slen, uint64_t *out)
{
    uint8_t b[8];
    if (gw_hex_decode(s, slen, b, 8) != 0)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    *out = v;
    return 0;
}

static int set_err(char *err, size_t errlen, int code, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return code;
}

const char *gw_route_method(gw_route_kind_t kind)
{
    return kind == GW_ROUTE_GET || kind == GW_ROUTE_PUT ? "POST" : "GET";
}

static int parse_ids(const char *ids, gw_route_t *out, char *err, size_t errlen)
{
    out->has_ids = 1;
    const char *p = ids;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (out->n_ids == GW_MAX_IDS)
            return set_err(err, errlen, 400, "more than 128 ids");
        if (gw_parse_vid(p, len, &out->ids[out->n_ids]) != 0)
            return set_err(err, errlen, 400, "an id is not 16 hex digits");
        out->n_ids++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int gw_parse_route(const char *path, const char *ids, gw_route_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return set_err(err, errlen, 404, "no such route");
    if (strcmp(path, "/health") == 0)
        out->kind = GW_ROUTE_HEALTH;
    else if (strcmp(path, "/v1/get") == 0)
        out->kind = GW_ROUTE_GET;
    else if (strcmp(path, "/v1/put") == 0)
        out->kind = GW_ROUTE_PUT;
    else if (strncmp(path, "/v1/key/", 8) == 0) {
        const char *k = path + 8, *rest = strchr(k, '/');
        size_t klen = rest ? (size_t)(rest - k) : strlen(k);
        if (!rest)
            out->kind = GW_ROUTE_VALUES;
        else if (strcmp(rest, "/ids") == 0)
            out->kind = GW_ROUTE_IDS;
        else if (strcmp(rest, "/listen") == 0)
            out->kind = GW_ROUTE_LISTEN;
        else
            return set_err(err, errlen, 404, "no such route");
        if (gw_hex_decode(k, klen, out->key, DNASYNC_DHT_KEY_BYTES) != 0)
            return set_err(err, errlen, 400, "the key is not 40 hex digits");
    } else
        return set_err(err, errlen, 404, "no such route");
    if (ids && out->kind != GW_ROUTE_VALUES)
        return set_err(err, errlen, 400, "ids= is only for GET /v1/key/{key}");
    return ids ? parse_ids(ids, out, err, errlen) : 0;
}

static int kind_of_name(const char *s)
{
    for (int k = DHT_KIND_MESSAGE; k <= DHT_KIND_BUNDLE_RECEIPT; k++)
        if (strcmp(s, dht_kind_name(k)) == 0)
            return k;
    return 0;
}

static void item_fail(gw_put_item_t *it, gw_status_t st, const char *msg)
{
    it->status = st;
    snprintf(it->message, sizeof it->message, "%s", msg);
}

/* Base64 text longer than this cannot decode to DHT_VALUE_MAX_BYTES or less. */
#define B64_MAX (4 * ((DHT_VALUE_MAX_BYTES + 2) / 3))

static void parse_item(json_t *o, gw_put_item_t *it)
{
    json_t *key = json_object_get(o, "key"), *kind = json_object_get(o, "kind"),
           *id = json_object_get(o, "id"), *data = json_object_get(o, "data"),
           *created = json_object_get(o, "created");
    if (!json_is_string(key) || !json_is_string(kind) || !json_is_string(id) ||
        !json_is_string(data) || (created && !json_is_integer(created)))
        return item_fail(it, GW_MALFORMED,
                         "key, kind, id and data must be strings, created an integer");
    if (gw_hex_decode(json_string_value(key), json_string_length(key), it->key,
                      DNASYNC_DHT_KEY_BYTES) != 0)
        return item_fail(it, GW_MALFORMED, "key is not 40 hex digits");
    if (gw_parse_vid(json_string_value(id), json_string_length(id), &it->vid) != 0)
        return item_fail(it, GW_MALFORMED, "id is not 16 hex digits");
    if (created) {
        it->has_created = 1;
        it->created = (int64_t)json_integer_value(created);
    }
    if (json_string_length(data) > B64_MAX)
        return item_fail(it, GW_TOO_BIG, "value over 64000 bytes");
    int rc = gw_b64_decode(json_string_value(data), json_string_length(data), &it->data, &it->len);
    if (rc == -2)
        return item_fail(it, GW_MALFORMED, "out of memory");
    if (rc != 0)
        return item_fail(it, GW_MALFORMED, "data is not standard padded base64");
    if (it->len == 0)
        return item_fail(it, GW_MALFORMED, "data is empty");
    if (it->len > DHT_VALUE_MAX_BYTES)
        return item_fail(it, GW_TOO_BIG, "value over 64000 bytes");
    it->kind = kind_of_name(json_string_value(kind));
    if (!it->kind)
        return item_fail(it, GW_UNKNOWN_TYPE, "kind is not one of dnasync's value kinds");
    it->status = GW_PENDING;
}

static json_t *load(const char *body, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root && err && errlen)
        snprintf(err, errlen, "bad JSON: %s", je.text);
    return root;
}

int gw_parse_put(const char *body, size_t len, gw_put_req_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *root = load(body, len, err, errlen);
    if (!root)
        return 400;
    json_t *vals = json_object_get(root, "values");
    size_t n = json_is_array(vals) ? json_array_size(vals) : 0;
    int rc = 0;
    if (!json_is_object(root) || !json_is_array(vals))
        rc = set_err(err, errlen, 400, "the body must be {\"values\":[...]}");
    else if (n == 0 || n > GW_MAX_ITEMS)
        rc = set_err(err, errlen, 400, "values must hold 1 to 32 items");
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!json_is_object(json_array_get(vals, i)))
            rc = set_err(err, errlen, 400, "every item of values must be an object");
    if (rc == 0 && !(out->items = calloc(n, sizeof *out->items)))
        rc = set_err(err, errlen, 500, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++)
        parse_item(json_array_get(vals, i), &out->items[i]);
    if (rc == 0)
        out->n = n;
    json_decref(root);
    return rc;
}

void gw_put_req_free(gw_put_req_t *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->n; i++)
        free(req->items[i].data);
    free(req->items);
    req->items = NULL;
    req->n = 0;
}

int gw_parse_keys(const char *body, size_t len, uint8_t keys[GW_MAX_ITEMS][DNASYNC_DHT_KEY_BYTES],
                  size_t *n, char *err, size_t errlen)
{
    *n = 0;
    json_t *root = load(body, len, err, errlen);
    if (!root)
        return 400;
    json_t *arr = json_object_get(root, "keys");
    size_t cnt = json_is_array(arr) ? json_array_size(arr) : 0;
    int rc = 0;
    if (!json_is_object(root) || !json_is_array(arr))
        rc = set_err(err, errlen, 400, "the body must be {\"keys\":[...]}");
    else if (cnt == 0 || cnt > GW_MAX_ITEMS)
        rc = set_err(err, errlen, 400, "keys must hold 1 to 32 keys");
    for (size_t i = 0; rc == 0 && i < cnt; i++) {
        json_t *k = json_array_get(arr, i);
        if (!json_is_string(k) || gw_hex_decode(json_string_value(k), json_string_length(k),
                                                keys[i], DNASYNC_DHT_KEY_BYTES) != 0)
            rc = set_err(err, errlen, 400, "every key must be 40 hex digits");
    }
    if (rc == 0)
        *n = cnt;
    json_decref(root);
    return rc;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

int gw_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (slen % 4 != 0)
        return -1;
    size_t pad = slen && s[slen - 1] == '=' ? (slen > 1 && s[slen - 2] == '=' ? 2 : 1) : 0;
    size_t n = slen / 4 * 3 - pad;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < slen; i += 4) {
        int last = i + 4 == slen;
        int v[4];
        for (int j = 0; j < 4; j++) {
            int is_pad = last && s[i + (size_t)j] == '=' && (size_t)j >= 4 - pad;
            v[j] = is_pad ? 0 : b64val(s[i + (size_t)j]);
            if (v[j] < 0) {
                free(buf);
                return -1;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        uint8_t b[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
        size_t take = last ? 3 - pad : 3;
        /* one encoding per byte string: the bits under the padding must be zero */
        if (last && ((pad == 1 && b[2]) || (pad == 2 && (b[1] || b[2])))) {
            free(buf);
            return -1;
        }
        memcpy(buf + o, b, take);
        o += take;
    }
    *out = buf;
    *outlen = o;
    return 0;
}

int gw_b64_encode(const uint8_t *in, size_t len, char **out)
{
    char *s = malloc((len + 2) / 3 * 4 + 1);
    if (!s)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            w |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            w |= in[i + 2];
        s[o++] = B64[w >> 18 & 63];
        s[o++] = B64[w >> 12 & 63];
        s[o++] = i + 1 < len ? B64[w >> 6 & 63] : '=';
        s[o++] = i + 2 < len ? B64[w & 63] : '=';
    }
    s[o] = '\0';
    *out = s;
    return 0;
}
