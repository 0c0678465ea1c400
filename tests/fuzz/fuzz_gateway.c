/* Fuzz target: the gateway's request parsers (src/node/gw_parse.c), which read what any HTTP
 * client sends to a node. The first input byte picks the parser, the rest is its input:
 *   0 route: path, and after a '\n' the ?ids= argument;  1 put body;  2 batch-get body;
 *   3 base64 (strict: what decodes must encode back to the same text).
 * Invariants: an accepted route has a known kind and at most GW_MAX_IDS ids; an accepted put
 * has 1..GW_MAX_ITEMS items, each PENDING (with data) or refused with a reason; a batch get
 * has 1..GW_MAX_ITEMS keys; every refusal says why. */
#include "fuzz.h"
#include "node/gw_parse.h"

#include <stdlib.h>
#include <string.h>

static void route(const char *s, size_t n)
{
    char *path = malloc(n + 1);
    FUZZ_ASSERT(path != NULL);
    memcpy(path, s, n);
    path[n] = '\0';
    char *nl = memchr(path, '\n', n);
    const char *ids = NULL;
    if (nl) {
        *nl = '\0';
        ids = nl + 1;
    }
    gw_route_t r;
    char err[256] = "";
    int rc = gw_parse_route(path, ids, &r, err, sizeof err);
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(r.kind >= GW_ROUTE_HEALTH && r.kind <= GW_ROUTE_PUT);
        FUZZ_ASSERT(gw_route_method(r.kind) != NULL);
        FUZZ_ASSERT(r.n_ids <= GW_MAX_IDS);
    } else {
        FUZZ_ASSERT(rc == 404 || rc == 400);
        FUZZ_ASSERT(rc == 404 || err[0] != '\0');
    }
    free(path);
}

static void put(const char *s, size_t n)
{
    gw_put_req_t req;
    char err[256] = "";
    int rc = gw_parse_put(s, n, &req, err, sizeof err);
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(req.n >= 1 && req.n <= GW_MAX_ITEMS);
        for (size_t i = 0; i < req.n; i++) {
            const gw_put_item_t *it = &req.items[i];
            FUZZ_ASSERT(it->status == GW_PENDING || it->status == GW_MALFORMED ||
                        it->status == GW_TOO_BIG || it->status == GW_UNKNOWN_TYPE);
            FUZZ_ASSERT(it->status != GW_PENDING || (it->data && it->len > 0));
            FUZZ_ASSERT(it->status == GW_PENDING || it->message[0] != '\0');
            FUZZ_ASSERT(gw_status_name(it->status) != NULL);
        }
    } else {
        FUZZ_ASSERT(rc == 400 && err[0] != '\0');
        FUZZ_ASSERT(req.n == 0);
    }
    gw_put_req_free(&req);
}

static void keys(const char *s, size_t n)
{
    uint8_t k[GW_MAX_ITEMS][DNASYNC_DHT_KEY_BYTES];
    size_t nk = 0;
    char err[256] = "";
    int rc = gw_parse_keys(s, n, k, &nk, err, sizeof err);
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(nk >= 1 && nk <= GW_MAX_ITEMS);
    } else {
        FUZZ_ASSERT(rc == 400 && err[0] != '\0');
    }
}

static void b64(const char *s, size_t n)
{
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = gw_b64_decode(s, n, &out, &len);
    if (rc == 0) {
        fuzz_accepted++;
        char *back = NULL;
        FUZZ_ASSERT(gw_b64_encode(out, len, &back) == 0);
        FUZZ_ASSERT(strlen(back) == n && memcmp(back, s, n) == 0);
        free(back);
    } else {
        FUZZ_ASSERT(rc == -1 || rc == -2);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > GW_MAX_BODY)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0: route(s, n); break;
    case 1: put(s, n); break;
    case 2: keys(s, n); break;
    default: b64(s, n); break;
    }
    return 0;
}
