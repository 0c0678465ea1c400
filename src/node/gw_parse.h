/* Internal: the gateway's request parsing (docs/gateway.md), pure functions: bytes in, structs
 * out, no I/O, no DHT. Kept apart from the HTTP server so it can be fuzzed on its own. */
#ifndef DNASYNC_GW_PARSE_H
#define DNASYNC_GW_PARSE_H

#include "dht/dht_keys.h"

#include <stddef.h>
#include <stdint.h>

#define GW_MAX_BODY (2u * 1024u * 1024u) /* request body, bytes */
#define GW_MAX_ITEMS 32                  /* values per put, keys per batch get */
#define GW_MAX_IDS 128                   /* ids per ?ids= */

/* Per-value put statuses, in the order the checks run (docs/gateway.md "POST /v1/put"). */
typedef enum gw_status {
    GW_PENDING = 0, /* parsed and (so far) valid: to be put */
    GW_STORED,
    GW_NOT_CONFIRMED,
    GW_MALFORMED,
    GW_TOO_BIG,
    GW_UNKNOWN_TYPE,
    GW_KIND_MISMATCH,
    GW_BAD_SIGNATURE,
    GW_BAD_ID,
    GW_WRONG_KEY,
    GW_BAD_CREATED,
    GW_NO_IDENTITY,
    GW_NOT_OWNER,
    GW_REFUSED
} gw_status_t;
/* "stored", "bad_signature", ... (static). */
const char *gw_status_name(gw_status_t st);

typedef enum gw_route_kind {
    GW_ROUTE_HEALTH = 1, /* GET /health */
    GW_ROUTE_VALUES,     /* GET /v1/key/K[?ids=...] */
    GW_ROUTE_IDS,        /* GET /v1/key/K/ids */
    GW_ROUTE_LISTEN,     /* GET /v1/key/K/listen */
    GW_ROUTE_GET,        /* POST /v1/get */
    GW_ROUTE_PUT         /* POST /v1/put */
} gw_route_kind_t;

typedef struct gw_route {
    gw_route_kind_t kind;
    uint8_t key[DNASYNC_DHT_KEY_BYTES]; /* VALUES, IDS, LISTEN */
    int has_ids;                        /* VALUES with ?ids= */
    size_t n_ids;
    uint64_t ids[GW_MAX_IDS];
} gw_route_t;

/* path: the URL path without the query; ids: the value of the "ids" query argument or NULL.
 * 0 ok; 404 no such route; 400 a bad key or id list (err says what). */
int gw_parse_route(const char *path, const char *ids, gw_route_t *out, char *err, size_t errlen);
/* The HTTP method a route wants ("GET" or "POST"). */
const char *gw_route_method(gw_route_kind_t kind);

typedef struct gw_put_item {
    gw_status_t status; /* GW_PENDING, or the first failed check */
    char message[160];  /* why, for any status but PENDING/STORED */
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    int kind; /* dht_value_kind_t; 0 when unknown */
    uint64_t vid;
    int has_created;
    int64_t created;
    uint8_t *data; /* the decoded value (owned), len bytes */
    size_t len;
} gw_put_item_t;

typedef struct gw_put_req {
    gw_put_item_t *items; /* n of them (owned; free with gw_put_req_free) */
    size_t n;
} gw_put_req_t;

/* Parse a put body. 0 ok (each item has its own status: MALFORMED, TOO_BIG, UNKNOWN_TYPE or
 * PENDING); 400 when the body as a whole is unusable (not JSON, no "values" array, 0 or more
 * than GW_MAX_ITEMS items, an item that is not an object): err says why and *out is empty. */
int gw_parse_put(const char *body, size_t len, gw_put_req_t *out, char *err, size_t errlen);
void gw_put_req_free(gw_put_req_t *req);

/* Parse a batch get body {"keys":[...]} into keys (1..GW_MAX_ITEMS). 0 ok, 400 (err). */
int gw_parse_keys(const char *body, size_t len, uint8_t keys[GW_MAX_ITEMS][DNASYNC_DHT_KEY_BYTES],
                  size_t *n, char *err, size_t errlen);

/* Strict hex: exactly 2*n hex digits (either case). 0 ok, -1 otherwise. */
int gw_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n);
/* 16 hex digits -> value id. 0 ok, -1 otherwise. */
int gw_parse_vid(const char *s, size_t slen, uint64_t *out);

/* Standard base64 with padding (RFC 4648 section 4), nothing else accepted (no whitespace, no
 * non-zero pad bits). *out malloc'd. 0 ok, -1 invalid, -2 out of memory. */
int gw_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen);
/* *out malloc'd, NUL-terminated. 0 ok, -2 out of memory. */
int gw_b64_encode(const uint8_t *in, size_t len, char **out);

#endif
