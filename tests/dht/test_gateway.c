/* The validating gateway of `dnasync node --gateway-port` (docs/gateway.md), against a real node
 * process on loopback through libcurl:
 *  - garbage, bad base64, wrong-signature, oversized, unknown-type, wrong-key, forged-tombstone
 *    and unknown-sender POSTs each get their own per-value status and are never stored, while the
 *    valid values of the same batch are stored and served; an older edition of a stored record
 *    is "refused" (the nodes' edit policy), never reported "stored"; so is a new value on a key
 *    at the nodes' cap;
 *  - a browser-style preflight and POST from an allowed origin; a foreign origin refused;
 *  - an SSE listen receives the current values, "synced", then a value put afterwards; a
 *    reconnect with Last-Event-ID replays what arrived while the client was away;
 *  - routes, methods, ids listing, get by ids, batch get, limits and error bodies;
 *  - raw TCP connections: 16 per client address and 64 in all, one more closed unanswered. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht/dht_keys.h"
#include "dht_testutil.h"
#include "gw_testutil.h"
#include "proc.h"
#include "testenv.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int gwp;
static pid_t pid = -1, peer = -1, rate_pid = -1; /* stopped by PID, also when a CHECK fails */

static void cleanup(void)
{
    if (pid > 0)
        proc_stop(pid, 10);
    if (peer > 0)
        proc_stop(peer, 10);
    if (rate_pid > 0)
        proc_stop(rate_pid, 10);
    pid = peer = rate_pid = -1;
}
static uint64_t now;
static uint8_t sk_alice[32], sk_bob[32], sk_mallory[32];

static void post_put(const char *items, gt_resp_t *r)
{
    size_t n = strlen(items) + 32;
    char *body = malloc(n);
    CHECK(body);
    snprintf(body, n, "{\"values\":[%s]}", items);
    const char *h[] = {"Content-Type: application/json", NULL};
    gt_http(gwp, "POST", "/v1/put", h, body, r);
    free(body);
}

/* Status of result i in a put answer ("" when absent). */
static const char *status_of(const char *body, int i, char out[64])
{
    const char *p = body;
    out[0] = '\0';
    for (int k = 0; k <= i; k++) {
        p = strstr(p, "\"status\":\"");
        if (!p)
            return out;
        p += 10;
    }
    size_t n = strcspn(p, "\"");
    snprintf(out, 64, "%.*s", (int)(n < 63 ? n : 63), p);
    return out;
}

/* Whether GET /v1/key/K?ids=ID returns that value. */
static int stored(const gt_value_t *v)
{
    char key[2 * DNASYNC_DHT_KEY_BYTES + 1], id[17], path[128];
    gt_hex_key(v->key, key);
    gt_hex_id(v->vid, id);
    snprintf(path, sizeof path, "/v1/key/%s?ids=%s", key, id);
    gt_resp_t r;
    gt_http(gwp, "GET", path, NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 200);
    int found = strstr(r.body, id) != NULL;
    gt_resp_free(&r);
    return found;
}

static void test_routes(void)
{
    gt_resp_t r;
    gt_http(gwp, "GET", "/health", NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "\"status\":\"ok\"") && strstr(r.body, "\"api\":1"));
    gt_resp_free(&r);
    gt_http(gwp, "GET", "/nope", NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 404);
    CHECK(strstr(r.body, "\"error\":\"not_found\""));
    gt_resp_free(&r);
    gt_http(gwp, "GET", "/v1/key/12345", NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 400);
    CHECK(strstr(r.body, "\"error\":\"bad_request\""));
    gt_resp_free(&r);
    gt_http(gwp, "POST", "/health", NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 405);
    CHECK(strstr(r.headers, "Allow: GET"));
    gt_resp_free(&r);
    const char *h[] = {"Content-Type: text/plain", NULL};
    gt_http(gwp, "POST", "/v1/put", h, "{\"values\":[]}", &r);
    CHECK_EQ_INT(r.status, 415);
    gt_resp_free(&r);
    post_put("", &r); /* no items */
    CHECK_EQ_INT(r.status, 400);
    gt_resp_free(&r);
    const char *hj[] = {"Content-Type: application/json", NULL};
    gt_http(gwp, "POST", "/v1/put", hj, "not json at all", &r);
    CHECK_EQ_INT(r.status, 400);
    CHECK(strstr(r.body, "bad JSON"));
    gt_resp_free(&r);
    /* a body over 2 MiB */
    size_t big = 2u * 1024u * 1024u + 100u;
    char *body = malloc(big + 1);
    CHECK(body);
    memset(body, ' ', big);
    body[big] = '\0';
    gt_http(gwp, "POST", "/v1/put", hj, body, &r);
    CHECK_EQ_INT(r.status, 413);
    CHECK(strstr(r.body, "too_large"));
    gt_resp_free(&r);
    free(body);
}

static void test_put_validation(void)
{
    gt_value_t id_alice, id_bob, msg, tomb, bad_sig, forged, wrong_key, stranger, big;
    gt_identity(&id_alice, "alice", sk_alice, now);
    gt_identity(&id_bob, "bob", sk_bob, now);
    gt_message(&msg, "alice", "bob", "hello bob", sk_alice, now);
    dht_value_t dv;
    memset(&dv, 0, sizeof dv);
    CHECK_EQ_INT(dht_value_decode(msg.data, msg.len, &dv), 0);
    char mid[65];
    memcpy(mid, dv.message_id, 65);
    dht_value_clear(&dv);
    gt_tombstone(&tomb, "alice", mid, sk_alice, now);
    gt_tombstone(&forged, "alice", mid, sk_mallory, now + 1); /* mallory deletes in alice's box */
    gt_message(&bad_sig, "alice", "bob", "tampered", sk_alice, now);
    bad_sig.data[bad_sig.len - 1] ^= 1; /* a payload byte: decodes, signature fails */
    gt_message(&wrong_key, "alice", "bob", "elsewhere", sk_alice, now);
    memset(wrong_key.key, 0x42, DNASYNC_DHT_KEY_BYTES);
    gt_message(&stranger, "carol", "bob", "from nobody", sk_mallory, now); /* no identity */
    gt_message(&big, "alice", "bob", "x", sk_alice, now);

    /* identities first: the batch's own records count for the later items */
    char *it[12];
    it[0] = gt_item_json(&id_alice);
    it[1] = gt_item_json(&id_bob);
    it[2] = gt_item_json(&msg);
    it[3] = gt_item_json(&tomb);
    it[4] = gt_item_json(&bad_sig);
    it[5] = gt_item_json(&forged);
    it[6] = gt_item_json(&wrong_key);
    it[7] = gt_item_json(&stranger);
    char key[2 * DNASYNC_DHT_KEY_BYTES + 1], id[17];
    gt_hex_key(msg.key, key);
    gt_hex_id(msg.vid, id);
    it[8] = malloc(256);
    snprintf(it[8], 256,
             "{\"key\":\"%s\",\"kind\":\"message\",\"id\":\"%s\",\"data\":\"aGVsbG8=\"}", key,
             id); /* garbage: "hello" */
    it[9] = malloc(256);
    snprintf(it[9], 256, "{\"key\":\"%s\",\"kind\":\"bogus\",\"id\":\"%s\",\"data\":\"aGVsbG8=\"}",
             key, id);
    it[10] = malloc(256);
    snprintf(it[10], 256,
             "{\"key\":\"%s\",\"kind\":\"message\",\"id\":\"%s\",\"data\":\"a GVsbG8\"}", key, id);
    size_t bn = 90000; /* over 64,000 bytes once decoded */
    it[11] = malloc(bn + 256);
    int k = snprintf(it[11], 256, "{\"key\":\"%s\",\"kind\":\"message\",\"id\":\"%s\",\"data\":\"",
                     key, id);
    memset(it[11] + k, 'A', bn);
    strcpy(it[11] + k + bn, "\"}");
    size_t total = 16;
    for (int i = 0; i < 12; i++)
        total += strlen(it[i]) + 1;
    char *items = calloc(1, total);
    for (int i = 0; i < 12; i++) {
        if (i)
            strcat(items, ",");
        strcat(items, it[i]);
        free(it[i]);
    }
    gt_resp_t r;
    post_put(items, &r);
    free(items);
    fprintf(stderr, "put answer: %.600s\n", r.body);
    CHECK_EQ_INT(r.status, 200);
    const char *want[12] = {"stored",        "stored",       "stored",    "stored",
                            "bad_signature", "not_owner",    "wrong_key", "no_identity",
                            "malformed",     "unknown_type", "malformed", "too_big"};
    for (int i = 0; i < 12; i++) {
        char st[64];
        if (strcmp(status_of(r.body, i, st), want[i]) != 0) {
            fprintf(stderr, "item %d: status %s, want %s\n", i, st, want[i]);
            CHECK(0);
        }
    }
    CHECK(strstr(r.body, "not signed by the identity key of the owner 'alice'"));
    gt_resp_free(&r);

    CHECK(stored(&msg) && stored(&tomb) && stored(&id_alice));
    CHECK(!stored(&bad_sig) && !stored(&forged) && !stored(&stranger));
    /* the listing of alice's box holds the real tombstone, not the forged one */
    char path[128], fid[17], tid[17];
    gt_hex_key(tomb.key, key);
    snprintf(path, sizeof path, "/v1/key/%s/ids", key);
    gt_http(gwp, "GET", path, NULL, NULL, &r);
    gt_hex_id(forged.vid, fid);
    gt_hex_id(tomb.vid, tid);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, tid) && !strstr(r.body, fid));
    gt_resp_free(&r);

    /* created outside its bounds: a re-put may not extend a value's life */
    gt_value_t late;
    gt_message(&late, "alice", "bob", "late", sk_alice, now);
    late.created = now + 3600;
    char *one = gt_item_json(&late);
    post_put(one, &r);
    free(one);
    char st[64];
    CHECK_EQ_STR(status_of(r.body, 0, st), "bad_created");
    gt_resp_free(&r);

    /* batch get of two keys */
    char k1[2 * DNASYNC_DHT_KEY_BYTES + 1], k2[2 * DNASYNC_DHT_KEY_BYTES + 1], body[200];
    gt_hex_key(msg.key, k1);
    gt_hex_key(id_alice.key, k2);
    snprintf(body, sizeof body, "{\"keys\":[\"%s\",\"%s\"]}", k1, k2);
    const char *hj[] = {"Content-Type: application/json", NULL};
    gt_http(gwp, "POST", "/v1/get", hj, body, &r);
    CHECK_EQ_INT(r.status, 200);
    gt_hex_id(msg.vid, id);
    CHECK(strstr(r.body, id) && strstr(r.body, "\"kind\":\"identity\""));
    gt_resp_free(&r);

    gt_value_t *all[] = {&id_alice, &id_bob,    &msg,      &tomb, &bad_sig,
                         &forged,   &wrong_key, &stranger, &big,  &late};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gt_value_free(all[i]);
}

/* The storing nodes' edit policy: an older claim of an identity record already stored (same id,
 * same key, earlier created_at) is not an edition they accept. The gateway says so ("refused"),
 * never "stored" (the held edition's id made the put look confirmed) nor "not_confirmed" (which
 * tells a client to retry); an identical re-put is "stored"; the stored record stays the newer. */
static void test_edit_refused(void)
{
    uint8_t sk[32];
    tu_seed(sk, 14);
    gt_value_t newer, older;
    gt_identity(&newer, "dora", sk, now);
    gt_identity(&older, "dora", sk, now - 100);
    CHECK(newer.vid == older.vid);
    char st[64];
    gt_resp_t r;
    char *item = gt_item_json(&newer);
    post_put(item, &r);
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    post_put(item, &r); /* the same record again: a refresh */
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    free(item);
    item = gt_item_json(&older);
    post_put(item, &r);
    free(item);
    fprintf(stderr, "older edition: %s\n", r.body);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(status_of(r.body, 0, st), "refused");
    CHECK(strstr(r.body, "edition"));
    gt_resp_free(&r);
    /* what the gateway serves for that id is still the newer record */
    char key[41], id[17], path[128];
    gt_hex_key(newer.key, key);
    gt_hex_id(newer.vid, id);
    snprintf(path, sizeof path, "/v1/key/%s?ids=%s", key, id);
    gt_http(gwp, "GET", path, NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 200);
    char *want = gt_item_json(&newer);
    const char *data = strstr(want, "\"data\":\"");
    CHECK(data);
    CHECK(strstr(r.body, data + 8) != NULL);
    free(want);
    gt_resp_free(&r);
    gt_value_free(&newer);
    gt_value_free(&older);
}

/* A key at the storing nodes' cap (docs/dht.md "Caps"): DHT_MAX_DEVICES summaries by one
 * signing key fill its share of a summary key. Another new summary by that key is refused by
 * every storing node, silently (OpenDHT answers a refused put like a stored one): the gateway
 * says "refused" with the reason, never "stored" or "not_confirmed", and puts nothing. An edit
 * of a summary already on the key is still taken. */
static void test_full_key(void)
{
    uint8_t sk[32];
    tu_seed(sk, 15);
    gt_value_t s[DHT_MAX_DEVICES + 1], edit;
    size_t cap = 64 + (size_t)DHT_MAX_DEVICES * 4096;
    char *items = calloc(1, cap), st[64];
    CHECK(items);
    for (unsigned i = 0; i <= DHT_MAX_DEVICES; i++)
        gt_summary(&s[i], "erin", i, 1, sk, now);
    for (unsigned i = 0; i < DHT_MAX_DEVICES; i++) {
        char *one = gt_item_json(&s[i]);
        CHECK(strlen(items) + strlen(one) + 2 < cap);
        if (i)
            strcat(items, ",");
        strcat(items, one);
        free(one);
    }
    gt_resp_t r;
    post_put(items, &r);
    free(items);
    CHECK_EQ_INT(r.status, 200);
    for (int i = 0; i < DHT_MAX_DEVICES; i++)
        CHECK_EQ_STR(status_of(r.body, i, st), "stored");
    gt_resp_free(&r);
    char *one = gt_item_json(&s[DHT_MAX_DEVICES]);
    post_put(one, &r);
    free(one);
    fprintf(stderr, "a new summary on a full key: %s\n", r.body);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(status_of(r.body, 0, st), "refused");
    CHECK(strstr(r.body, "full"));
    gt_resp_free(&r);
    CHECK(!stored(&s[DHT_MAX_DEVICES]));
    gt_summary(&edit, "erin", 0, 2, sk, now); /* device 0's next edition */
    one = gt_item_json(&edit);
    post_put(one, &r);
    free(one);
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    for (int i = 0; i <= DHT_MAX_DEVICES; i++)
        gt_value_free(&s[i]);
    gt_value_free(&edit);
}

static void test_cors(void)
{
    gt_value_t m;
    gt_message(&m, "alice", "bob", "from a browser", sk_alice, now);
    const char *pre[] = {"Origin: http://app.example", "Access-Control-Request-Method: POST",
                         "Access-Control-Request-Headers: content-type", NULL};
    gt_resp_t r;
    gt_http(gwp, "OPTIONS", "/v1/put", pre, NULL, &r);
    CHECK_EQ_INT(r.status, 204);
    CHECK(strstr(r.headers, "Access-Control-Allow-Origin: http://app.example"));
    CHECK(strstr(r.headers, "Access-Control-Allow-Methods: GET, POST, OPTIONS"));
    CHECK(strstr(r.headers, "Access-Control-Allow-Headers: Content-Type"));
    gt_resp_free(&r);
    char *item = gt_item_json(&m);
    char body[2048];
    snprintf(body, sizeof body, "{\"values\":[%s]}", item);
    free(item);
    const char *h[] = {"Origin: http://app.example", "Content-Type: application/json", NULL};
    gt_http(gwp, "POST", "/v1/put", h, body, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.headers, "Access-Control-Allow-Origin: http://app.example"));
    char st[64];
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    CHECK(stored(&m));
    /* another origin: preflight and request refused, nothing stored */
    gt_value_t m2;
    gt_message(&m2, "alice", "bob", "from a stranger's page", sk_alice, now);
    const char *evil_pre[] = {"Origin: http://evil.example", "Access-Control-Request-Method: POST",
                              NULL};
    gt_http(gwp, "OPTIONS", "/v1/put", evil_pre, NULL, &r);
    CHECK_EQ_INT(r.status, 403);
    CHECK(!strstr(r.headers, "Access-Control-Allow-Origin"));
    gt_resp_free(&r);
    item = gt_item_json(&m2);
    snprintf(body, sizeof body, "{\"values\":[%s]}", item);
    free(item);
    const char *eh[] = {"Origin: http://evil.example", "Content-Type: application/json", NULL};
    gt_http(gwp, "POST", "/v1/put", eh, body, &r);
    CHECK_EQ_INT(r.status, 403);
    CHECK(strstr(r.body, "origin_not_allowed"));
    gt_resp_free(&r);
    CHECK(!stored(&m2));
    gt_value_free(&m);
    gt_value_free(&m2);
}

static void test_listen(void)
{
    gt_value_t first, second;
    gt_message(&first, "alice", "bob", "before the listen", sk_alice, now);
    gt_message(&second, "alice", "bob", "after the listen", sk_alice, now);
    /* both into bob's doorbell of today: one key for any message of bob's */
    CHECK_EQ_INT(dht_key_bell(first.key, "bob", (int64_t)(now / DNASYNC_DAY_S)), 0);
    memcpy(second.key, first.key, DNASYNC_DHT_KEY_BYTES);
    char *item = gt_item_json(&first);
    gt_resp_t r;
    char st[64];
    post_put(item, &r);
    free(item);
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    gt_listen_t l;
    gt_listen_start(&l, gwp, first.key);
    CHECK(gt_listen_wait(&l, "event: synced", 30));
    char id1[17], id2[17];
    gt_hex_id(first.vid, id1);
    gt_hex_id(second.vid, id2);
    pthread_mutex_lock(&l.mu);
    int replayed = strstr(l.buf, id1) != NULL && strstr(l.buf, "retry: 2000") != NULL;
    pthread_mutex_unlock(&l.mu);
    CHECK(replayed);
    item = gt_item_json(&second);
    post_put(item, &r);
    free(item);
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    CHECK(gt_listen_wait(&l, id2, 30));
    pthread_mutex_lock(&l.mu);
    fprintf(stderr, "stream: %.300s...\n", l.buf);
    const char *ev = strstr(l.buf, id2);
    pthread_mutex_unlock(&l.mu);
    CHECK(ev != NULL);
    gt_listen_stop(&l);
    CHECK_EQ_INT(l.status, 200);

    /* the client was away while a third value arrived: its reconnect (with Last-Event-ID, as
     * EventSource does) replays every current value, the missed one included */
    gt_value_t third;
    gt_message(&third, "alice", "bob", "while you were away", sk_alice, now);
    memcpy(third.key, first.key, DNASYNC_DHT_KEY_BYTES);
    item = gt_item_json(&third);
    post_put(item, &r);
    free(item);
    CHECK_EQ_STR(status_of(r.body, 0, st), "stored");
    gt_resp_free(&r);
    char id3[17], path[128], hex[2 * DNASYNC_DHT_KEY_BYTES + 1];
    gt_hex_id(third.vid, id3);
    gt_hex_key(first.key, hex);
    snprintf(path, sizeof path, "/v1/key/%s/listen", hex);
    gt_listen_start_path(&l, gwp, path, id2);
    CHECK(gt_listen_wait(&l, "event: synced", 30));
    pthread_mutex_lock(&l.mu);
    int all = strstr(l.buf, id1) && strstr(l.buf, id2) && strstr(l.buf, id3);
    pthread_mutex_unlock(&l.mu);
    gt_listen_stop(&l);
    CHECK(all);
    gt_value_free(&first);
    gt_value_free(&second);
    gt_value_free(&third);
}

/* At most 8 open listens per client address: the 9th is refused with 429. */
static void test_listen_limit(void)
{
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    memset(key, 0x5a, sizeof key);
    gt_listen_t l[8];
    for (int i = 0; i < 8; i++)
        gt_listen_start(&l[i], gwp, key);
    for (int i = 0; i < 8; i++)
        if (!gt_listen_wait(&l[i], "event: synced", 30)) {
            fprintf(stderr, "listen %d: status %ld, got: %s\n", i, l[i].status,
                    l[i].buf ? l[i].buf : "(nothing)");
            CHECK(0);
        }
    char hex[2 * DNASYNC_DHT_KEY_BYTES + 1], path[80];
    gt_hex_key(key, hex);
    snprintf(path, sizeof path, "/v1/key/%s/listen", hex);
    gt_resp_t r;
    gt_http(gwp, "GET", path, NULL, NULL, &r);
    CHECK_EQ_INT(r.status, 429);
    CHECK(strstr(r.body, "too_many_listens"));
    gt_resp_free(&r);
    for (int i = 0; i < 8; i++)
        gt_listen_stop(&l[i]);
}

/* A raw TCP connection to the gateway from source address 127.0.0.<host> (-1 on failure). */
static int tcp_from(int host)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct timeval tv = {10, 0}; /* bounded reads */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in src = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1u + (uint32_t)host)};
    struct sockaddr_in dst = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)gwp),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* GET /health on an open keep-alive connection: the HTTP status, 0 when the gateway closed it
 * without an answer. */
static int health_on(int fd)
{
    static const char req[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
        return 0;
    char buf[4096];
    size_t len = 0;
    for (;;) { /* headers, then Content-Length bytes of body */
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strstr(buf, "Content-Length: ");
        if (end && cl && len >= (size_t)(end + 4 - buf) + (size_t)atoi(cl + 16))
            break;
        if (len == sizeof buf - 1)
            return 0;
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
    }
    int status = 0;
    return sscanf(buf, "HTTP/1.1 %d", &status) == 1 ? status : 0;
}

/* Opens connections from 127.0.0.<host> until `want` of them hold an answered keep-alive
 * request (a slot an earlier test's connection still holds frees within about a second). */
static void hold(int host, int *fds, int want)
{
    int n = 0;
    for (int tries = 0; n < want && tries < 200; tries++) {
        int fd = tcp_from(host);
        if (fd >= 0 && health_on(fd) == 200) {
            fds[n++] = fd;
            continue;
        }
        if (fd >= 0)
            close(fd);
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
    CHECK_EQ_INT(n, want);
}

/* One connection over a limit: closed at once, no HTTP answer. */
static void refused_connection(int host)
{
    int fd = tcp_from(host);
    CHECK(fd >= 0); /* the kernel accepts; the gateway closes it */
    CHECK_EQ_INT(health_on(fd), 0);
    close(fd);
}

/* At most 16 open connections per client address and 64 in all (docs/gateway.md "Limits"). */
static void test_connection_limits(void)
{
    int fds[4][16];
    hold(1, fds[0], 16);
    refused_connection(1); /* the 17th from 127.0.0.1 */
    close(fds[0][15]);     /* one gone: its slot serves again */
    hold(1, &fds[0][15], 1);
    for (int h = 1; h < 4; h++) /* 127.0.0.2 .. 127.0.0.4: 64 connections in all */
        hold(h + 1, fds[h], 16);
    refused_connection(5); /* a fresh address, over the total */
    for (int h = 0; h < 4; h++)
        for (int i = 0; i < 16; i++)
            close(fds[h][i]);
    int fd = -1, status = 0; /* bounded: the gateway serves again once it noticed the closes */
    for (int tries = 0; tries < 100 && status != 200; tries++) {
        fd = tcp_from(5);
        status = fd >= 0 ? health_on(fd) : 0;
        if (fd >= 0)
            close(fd);
        if (status != 200) {
            struct timespec pause = {0, 100 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    CHECK_EQ_INT(status, 200);
}

/* A node with --gateway-rate 1 (bursts of 2): a client asking faster gets 429 + Retry-After. */
static void test_rate_limit(const char *dir)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/rate.log", dir);
    char *extra[] = {"--gateway-rate", "1", NULL};
    int port = 0, dht_port = 0;
    rate_pid = gt_spawn(extra, log, &port, &dht_port);
    long last = 0;
    int asked = 0;
    for (; asked < 50 && last != 429; asked++) {
        gt_resp_t r;
        gt_http(port, "GET", "/health", NULL, NULL, &r);
        last = r.status;
        if (last == 429)
            CHECK(strstr(r.headers, "Retry-After: 1") && strstr(r.body, "rate_limited"));
        gt_resp_free(&r);
    }
    fprintf(stderr, "rate limited after %d requests\n", asked);
    CHECK_EQ_INT(last, 429);
    CHECK_EQ_INT(proc_stop(rate_pid, 20), 0);
    rate_pid = -1;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = (uint64_t)ts.tv_sec;
    tu_seed(sk_alice, 11);
    tu_seed(sk_bob, 12);
    tu_seed(sk_mallory, 13);
    char *dir = test_tmpdir("gateway");
    char log[4200];
    snprintf(log, sizeof log, "%s/node.log", dir);
    /* a peer: puts are confirmed by a node other than the gateway's own */
    char plog[4200], bs[32];
    snprintf(plog, sizeof plog, "%s/peer.log", dir);
    char *pargs[] = {"--bind", "127.0.0.1", NULL};
    int peer_port = 0;
    atexit(cleanup);
    peer = tu_spawn_node(pargs, plog, &peer_port);
    CHECK(peer > 0);
    snprintf(bs, sizeof bs, "127.0.0.1:%d", peer_port);
    char *extra[] = {"--allow-origin", "http://app.example", "--bootstrap", bs, "-v", NULL};
    int dht_port = 0;
    pid = gt_spawn(extra, log, &gwp, &dht_port);
    for (int i = 0; i < 100; i++) { /* bounded wait until the gateway's node knows its peer */
        gt_resp_t h;
        gt_http(gwp, "GET", "/health", NULL, NULL, &h);
        int known = h.body && strstr(h.body, "\"nodes\":0") == NULL;
        gt_resp_free(&h);
        if (known)
            break;
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
    }

    RUN(test_routes);
    RUN(test_put_validation);
    RUN(test_edit_refused);
    RUN(test_full_key);
    RUN(test_cors);
    RUN(test_listen_limit); /* first: no earlier stream holds a slot */
    RUN(test_listen);
    RUN(test_connection_limits);
    fprintf(stderr, "-- test_rate_limit\n");
    test_rate_limit(dir);

    CHECK_EQ_INT(proc_stop(pid, 20), 0);
    pid = -1;
    CHECK_EQ_INT(proc_stop(peer, 20), 0);
    peer = -1;
    curl_global_cleanup();
    if (!getenv("KEEP"))
        test_rmtree(dir);
    free(dir);
    return 0;
}
