/* The gateway's pure request parsing (src/node/gw_parse.c): routes, ids, strict base64 and
 * hex, put bodies with per-item statuses, batch-get bodies. */
#include "check.h"
#include "node/gw_parse.h"

#include <stdlib.h>
#include <string.h>

static void test_base64(void)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *e = NULL;
        CHECK_EQ_INT(gw_b64_encode((const uint8_t *)in[i], strlen(in[i]), &e), 0);
        CHECK_EQ_STR(e, out[i]);
        uint8_t *d = NULL;
        size_t n = 0;
        CHECK_EQ_INT(gw_b64_decode(e, strlen(e), &d, &n), 0);
        CHECK(n == strlen(in[i]) && memcmp(d, in[i], n) == 0);
        free(d);
        free(e);
    }
    /* one encoding per byte string: no whitespace, no missing padding, no stray bits */
    const char *bad[] = {"Zg",     "Zg=",      "Z===", "Zh==", "Zm9=", "Zm 9v",
                         "Zm9v\n", "Zg==Zg==", "Zm-v", "Zm_v", "=Zm9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *d = NULL;
        size_t n = 0;
        if (gw_b64_decode(bad[i], strlen(bad[i]), &d, &n) != -1) {
            fprintf(stderr, "accepted bad base64 '%s'\n", bad[i]);
            CHECK(0);
        }
    }
}

static void test_routes(void)
{
    gw_route_t r;
    char err[128];
    const char *key = "00112233445566778899aabbccddeeff00112233";
    char path[128];
    CHECK_EQ_INT(gw_parse_route("/health", NULL, &r, err, sizeof err), 0);
    CHECK_EQ_INT(r.kind, GW_ROUTE_HEALTH);
    snprintf(path, sizeof path, "/v1/key/%s/listen", key);
    CHECK_EQ_INT(gw_parse_route(path, NULL, &r, err, sizeof err), 0);
    CHECK(r.kind == GW_ROUTE_LISTEN && r.key[0] == 0x00 && r.key[19] == 0x33);
    snprintf(path, sizeof path, "/v1/key/%s", key);
    CHECK_EQ_INT(gw_parse_route(path, "0000000000000001,FFFFFFFFFFFFFFFF", &r, err, sizeof err), 0);
    CHECK(r.kind == GW_ROUTE_VALUES && r.has_ids && r.n_ids == 2 && r.ids[0] == 1 &&
          r.ids[1] == UINT64_MAX);
    CHECK_EQ_INT(gw_parse_route(path, "1", &r, err, sizeof err), 400);
    CHECK_EQ_INT(gw_parse_route(path, "", &r, err, sizeof err), 400);
    CHECK_EQ_INT(gw_parse_route(path, "0000000000000001,", &r, err, sizeof err), 400);
    CHECK_EQ_INT(gw_parse_route("/v1/key/0011", NULL, &r, err, sizeof err), 400);
    CHECK_EQ_INT(gw_parse_route("/v1/key/zz112233445566778899aabbccddeeff00112233", NULL, &r, err,
                                sizeof err),
                 400);
    snprintf(path, sizeof path, "/v1/key/%s/other", key);
    CHECK_EQ_INT(gw_parse_route(path, NULL, &r, err, sizeof err), 404);
    CHECK_EQ_INT(gw_parse_route("/", NULL, &r, err, sizeof err), 404);
    CHECK_EQ_STR(gw_route_method(GW_ROUTE_PUT), "POST");
}

static void test_put_body(void)
{
    gw_put_req_t req;
    char err[128];
    const char *bad[] = {"",
                         "[]",
                         "{}",
                         "{\"values\":{}}",
                         "{\"values\":[]}",
                         "{\"values\":[1]}",
                         "{\"values\":[{}],\"values\":[{}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(gw_parse_put(bad[i], strlen(bad[i]), &req, err, sizeof err), 400);
    const char *body =
        "{\"values\":["
        "{\"key\":\"00112233445566778899aabbccddeeff00112233\",\"kind\":\"summary\","
        "\"id\":\"0102030405060708\",\"created\":5,\"data\":\"AAEC\"},"
        "{\"key\":\"0011\",\"kind\":\"summary\",\"id\":\"0102030405060708\",\"data\":\"AAEC\"},"
        "{\"key\":\"00112233445566778899aabbccddeeff00112233\",\"kind\":\"nope\","
        "\"id\":\"0102030405060708\",\"data\":\"AAEC\"},"
        "{\"key\":\"00112233445566778899aabbccddeeff00112233\",\"kind\":\"message\","
        "\"id\":\"0102030405060708\",\"data\":\"AAE\"},"
        "{\"key\":\"00112233445566778899aabbccddeeff00112233\",\"kind\":\"message\","
        "\"id\":1,\"data\":\"AAEC\"}]}";
    CHECK_EQ_INT(gw_parse_put(body, strlen(body), &req, err, sizeof err), 0);
    CHECK_EQ_INT(req.n, 5);
    CHECK_EQ_INT(req.items[0].status, GW_PENDING);
    CHECK(req.items[0].kind == 4 && req.items[0].vid == 0x0102030405060708ull &&
          req.items[0].has_created && req.items[0].created == 5 && req.items[0].len == 3);
    CHECK_EQ_INT(req.items[1].status, GW_MALFORMED);
    CHECK_EQ_INT(req.items[2].status, GW_UNKNOWN_TYPE);
    CHECK_EQ_INT(req.items[3].status, GW_MALFORMED);
    CHECK_EQ_INT(req.items[4].status, GW_MALFORMED);
    CHECK_EQ_STR(gw_status_name(req.items[2].status), "unknown_type");
    gw_put_req_free(&req);
    /* 33 items: over the limit */
    char many[33 * 8 + 32] = "{\"values\":[";
    for (int i = 0; i < 33; i++)
        strcat(many, i ? ",{}" : "{}");
    strcat(many, "]}");
    CHECK_EQ_INT(gw_parse_put(many, strlen(many), &req, err, sizeof err), 400);
}

static void test_keys_body(void)
{
    uint8_t keys[GW_MAX_ITEMS][DNASYNC_DHT_KEY_BYTES];
    size_t n = 0;
    char err[128];
    const char *ok = "{\"keys\":[\"00112233445566778899aabbccddeeff00112233\"]}";
    CHECK_EQ_INT(gw_parse_keys(ok, strlen(ok), keys, &n, err, sizeof err), 0);
    CHECK(n == 1 && keys[0][1] == 0x11);
    const char *bad = "{\"keys\":[\"0011\"]}";
    CHECK_EQ_INT(gw_parse_keys(bad, strlen(bad), keys, &n, err, sizeof err), 400);
    CHECK_EQ_INT(gw_parse_keys("{\"keys\":[]}", 11, keys, &n, err, sizeof err), 400);
}

int main(void)
{
    RUN(test_base64);
    RUN(test_routes);
    RUN(test_put_body);
    RUN(test_keys_body);
    return 0;
}
