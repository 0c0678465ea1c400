/* Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/) from real values:
 * identities derived from fixed master secrets, messages sealed with the real envelope to the
 * recipient's and the sender's ML-KEM keys, values encoded and signed by the real codec, link
 * codes from dnasync_linkcode_make_params, config files saved by home_config_add_bootstrap,
 * gateway requests carrying those values under their real keys and ids (docs/gateway.md), and
 * JSON-RPC lines in the form docs/rpc.md documents.
 *
 *   fuzz_make_corpus DIR     (DIR = tests/fuzz/corpus; existing seeds are overwritten)
 *
 * Randomness (envelope, salts) is real, so a rerun writes other bytes of the same shapes. */
#define _POSIX_C_SOURCE 200809L
#include "crypto/envelope.h"
#include "crypto/ids.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dnasync/identity.h"
#include "node/gw_parse.h"
#include "sync/home_config.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_PASSPHRASE "fuzz corpus passphrase" /* = fuzz_linkcode.c */

static const char *root;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_make_corpus: %s\n", what);
    exit(1);
}

static void put(const char *target, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        die(path);
}

static dnasync_identity_t *ident(const char *name)
{
    uint8_t master[DNASYNC_MASTER_BYTES];
    SHA256((const unsigned char *)name, strlen(name), master);
    dnasync_identity_t *id = NULL;
    if (dnasync_identity_from_master(name, master, &id) != 0)
        die("identity");
    return id;
}

/* Sign, encode and write v to each listed target. */
static void emit(dht_value_t *v, const dnasync_identity_t *author, const char *name, const char *t1,
                 const char *t2)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (dht_value_sign(v, author->sign_sk) != 0 || dht_value_encode(v, &buf, &len) != 0)
        die(name);
    put(t1, name, buf, len);
    if (t2)
        put(t2, name, buf, len);
    free(buf);
}

static void values(const dnasync_identity_t *alice, const dnasync_identity_t *bob)
{
    const uint64_t now = 1764633600; /* 2025-12-02 00:00 UTC */
    static const size_t bodies[] = {5, 200, 1000};
    char mid[65];
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char body[1000];
        memset(body, 'a' + (int)i, bodies[i]);
        const uint8_t *eks[2] = {bob->kem_ek, alice->kem_ek};
        dht_value_t v;
        memset(&v, 0, sizeof v);
        if (dnasync_envelope_seal(eks, 2, NULL, 0, (const uint8_t *)body, bodies[i], NULL,
                                  &v.payload, &v.payload_len) != 0)
            die("seal");
        v.version = DHT_VALUE_FORMAT;
        v.kind = DHT_KIND_MESSAGE;
        v.created_at = now + i;
        v.sender = strdup(alice->name);
        v.recipient = strdup(bob->name);
        if (dnasync_message_id(v.sender, v.recipient, v.created_at, v.payload, v.payload_len,
                               v.message_id) != 0)
            die("message id");
        memcpy(mid, v.message_id, sizeof mid);
        char name[32];
        snprintf(name, sizeof name, "message-%zu", bodies[i]);
        emit(&v, alice, name, "value", NULL);
        dht_value_clear(&v);
    }
    for (int kind = DHT_KIND_TOMBSTONE; kind <= DHT_KIND_RECEIPT; kind += 3) {
        dht_value_t v;
        memset(&v, 0, sizeof v);
        v.version = DHT_VALUE_FORMAT;
        v.kind = (uint8_t)kind;
        v.created_at = now + 10;
        memcpy(v.message_id, mid, sizeof mid);
        v.deleted_at = kind == DHT_KIND_TOMBSTONE ? now + 10 : 0;
        v.read_at = kind == DHT_KIND_RECEIPT ? now + 10 : 0;
        v.owner = strdup(alice->name);
        memset(v.writer_id, 0x5a, sizeof v.writer_id);
        emit(&v, alice, kind == DHT_KIND_TOMBSTONE ? "tombstone" : "receipt", "value", NULL);
        dht_value_clear(&v);
    }
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_IDENTITY;
    v.created_at = now;
    v.name = strdup(alice->name);
    memcpy(v.kem_pk, alice->kem_ek, sizeof v.kem_pk);
    v.n_devices = 3;
    v.devices = calloc(3, sizeof *v.devices);
    for (size_t i = 0; i < 3; i++) {
        v.devices[i] = malloc(DNASYNC_DEVICE_ID_LEN + 1);
        snprintf(v.devices[i], DNASYNC_DEVICE_ID_LEN + 1, "%031zx%c", i, 'a');
    }
    emit(&v, alice, "identity", "value", NULL);
    dht_value_clear(&v);
    /* summaries: empty, a few shards, every shard */
    static const size_t shards[] = {0, 3, 128};
    for (size_t i = 0; i < sizeof shards / sizeof shards[0]; i++) {
        memset(&v, 0, sizeof v);
        v.version = DHT_VALUE_FORMAT;
        v.kind = DHT_KIND_SUMMARY;
        v.created_at = now;
        v.mailbox = strdup(i == 1 ? bob->name : alice->name);
        v.day = now / DNASYNC_DAY_S;
        memset(v.writer_id, 0x11 * (int)(i + 1), sizeof v.writer_id);
        v.counter = 1 + i * 1000;
        v.n_entries = shards[i];
        v.entries = shards[i] ? calloc(shards[i], sizeof *v.entries) : NULL;
        for (size_t s = 0; s < shards[i]; s++) {
            v.entries[s].shard = (uint8_t)(shards[i] == 128 ? s : s * 40 + 1);
            v.entries[s].count = (uint32_t)(s + 1) * (i == 2 ? 70000u : 1u);
            v.entries[s].xor_ids = 0x0123456789abcdefull * (s + 1);
        }
        char name[32];
        snprintf(name, sizeof name, "summary-%zu", shards[i]);
        emit(&v, alice, name, "summary", "value");
        dht_value_clear(&v);
    }
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const dht_member_t *)a)->message_id, ((const dht_member_t *)b)->message_id);
}

/* Bundles (format 2) as an upload pass writes them: members of one (mailbox, day, shard), ids
 * ascending, created_at the smallest member time. Messages get their shard by their time (the
 * id hashes it), a bounded search. */
static void bundles(const dnasync_identity_t *alice, const dnasync_identity_t *bob)
{
    const uint64_t now = 1764633600;
    char *an = strdup(alice->name), *bn = strdup(bob->name); /* the codec's fields are not const */
    dht_member_t m[3];
    memset(m, 0, sizeof m);
    int shard = -1;
    uint64_t t = now;
    for (size_t i = 0; i < 3; i++) {
        char body[64];
        memset(body, 'k' + (int)i, sizeof body);
        const uint8_t *eks[2] = {bob->kem_ek, alice->kem_ek};
        if (dnasync_envelope_seal(eks, 2, NULL, 0, (const uint8_t *)body, sizeof body, NULL,
                                  &m[i].payload, &m[i].payload_len) != 0)
            die("seal");
        m[i].sender = an;
        m[i].recipient = bn;
        for (int tries = 0;; tries++, t++) {
            if (tries == 100000 || dnasync_message_id(alice->name, bob->name, t, m[i].payload,
                                                      m[i].payload_len, m[i].message_id) != 0)
                die("bundle member id");
            if (shard < 0)
                shard = dht_shard_of(m[i].message_id);
            if (dht_shard_of(m[i].message_id) == shard)
                break;
        }
        m[i].at = t++;
    }
    qsort(m, 3, sizeof *m, member_cmp);
    dht_value_t v; /* a borrowed view: members and names stay the caller's */
    memset(&v, 0, sizeof v);
    v.version = DHT_BUNDLE_FORMAT;
    v.kind = DHT_KIND_BUNDLE_MESSAGE;
    v.created_at = m[0].at < m[1].at ? (m[0].at < m[2].at ? m[0].at : m[2].at)
                                     : (m[1].at < m[2].at ? m[1].at : m[2].at);
    v.mailbox = bn;
    v.day = (uint64_t)dht_upload_day(now);
    v.shard = (uint8_t)shard;
    memset(v.writer_id, 0x5a, sizeof v.writer_id);
    v.members = m;
    v.n_members = 3;
    emit(&v, alice, "bundle-message-3", "value", NULL);
    /* the same messages' tombstones and receipts by alice's device, in alice's mailbox */
    for (int kind = DHT_KIND_BUNDLE_TOMBSTONE; kind <= DHT_KIND_BUNDLE_RECEIPT; kind++) {
        dht_member_t d[3];
        memset(d, 0, sizeof d);
        for (size_t i = 0; i < 3; i++) {
            memcpy(d[i].message_id, m[i].message_id, sizeof d[i].message_id);
            d[i].at = now + 100 + i;
        }
        v.kind = (uint8_t)kind;
        v.created_at = now + 100;
        v.mailbox = an;
        v.members = d;
        emit(&v, alice,
             kind == DHT_KIND_BUNDLE_TOMBSTONE ? "bundle-tombstone-3" : "bundle-receipt-3", "value",
             NULL);
    }
    for (size_t i = 0; i < 3; i++)
        free(m[i].payload);
    free(an);
    free(bn);
}

#define FUZZ_LINKCODE_NOW_MS 1800000000000ull /* = fuzz_linkcode.c: codes expire */

static uint64_t linkcode_now(void *user)
{
    (void)user;
    return FUZZ_LINKCODE_NOW_MS;
}

static void linkcodes(const dnasync_identity_t *alice, const dnasync_identity_t *longname)
{
    const dnasync_env_t at = {linkcode_now, dnasync_env_default()->random_bytes,
                              dnasync_env_default()->user};
    const dnasync_env_t *env = &at;
    char *code = NULL;
    if (dnasync_linkcode_make_params(alice, FUZZ_PASSPHRASE, 10, env, &code) != 0)
        die("link code");
    put("linkcode", "alice", code, strlen(code));
    char *lower = strdup(code), spaced[1024];
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    put("linkcode", "alice-lowercase", lower, strlen(lower));
    snprintf(spaced, sizeof spaced, " \t%s\r\n", code);
    put("linkcode", "alice-whitespace", spaced, strlen(spaced));
    free(lower);
    free(code);
    if (dnasync_linkcode_make_params(longname, FUZZ_PASSPHRASE, 10, env, &code) != 0)
        die("link code");
    put("linkcode", "longest-name", code, strlen(code));
    free(code);
    if (dnasync_linkcode_make_params(alice, "another passphrase", 10, env, &code) != 0)
        die("link code");
    put("linkcode", "wrong-passphrase", code, strlen(code));
    free(code);
    put("linkcode", "prefix-only", "DNA1-", 5);
}

static void configs(void)
{
    char home[] = "/tmp/dnasync-corpus-XXXXXX", path[64];
    if (!mkdtemp(home))
        die("mkdtemp");
    home_config_t cfg;
    char err[256];
    const char *hosts[] = {"10.0.0.1:4222", "node.example.org:4222", "[::1]:4222"};
    if (home_config_load(home, &cfg, err, sizeof err) != 0 ||
        home_config_add_bootstrap(home, &cfg, hosts, 3, err, sizeof err) != 0)
        die(err);
    home_config_clear(&cfg);
    snprintf(path, sizeof path, "%s/config", home);
    FILE *f = fopen(path, "rb");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    rmdir(home);
    put("config", "saved", buf, n);
    const char mobile[] = "# a comment\r\nprofile=mobile\r\n\r\nbootstrap=127.0.0.1:1\r\n";
    put("config", "mobile-crlf", mobile, sizeof mobile - 1);
    put("config", "empty", "", 0);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The gateway corpus: a put of each value file written above, under its real key and id. */
static void gateway(void)
{
    static const char *const files[] = {"message-200",     "tombstone",        "summary-3",
                                        "identity",        "bundle-message-3", "bundle-tombstone-3",
                                        "bundle-receipt-3"};
    char keys_body[1024] = "{\"keys\":[";
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/value/%s", root, files[f]);
        FILE *in = fopen(path, "rb");
        uint8_t buf[8192];
        size_t len = in ? fread(buf, 1, sizeof buf, in) : 0;
        if (in)
            fclose(in);
        dht_value_t v;
        if (dht_value_decode(buf, len, &v) != 0)
            die(path);
        char name[DNASYNC_DHT_KEYNAME_MAX];
        int64_t day = dht_upload_day(v.created_at);
        if (v.kind == DHT_KIND_MESSAGE)
            dht_key_name_box(name, sizeof name, v.recipient, day, dht_shard_of(v.message_id));
        else if (v.kind == DHT_KIND_TOMBSTONE)
            dht_key_name_box(name, sizeof name, v.owner, day, dht_shard_of(v.message_id));
        else if (DHT_KIND_IS_BUNDLE(v.kind))
            dht_key_name_box(name, sizeof name, v.mailbox, (int64_t)v.day, v.shard);
        else if (v.kind == DHT_KIND_SUMMARY)
            dht_key_name_sum(name, sizeof name, v.mailbox, (int64_t)v.day);
        else
            dht_key_name_id(name, sizeof name, v.name);
        uint8_t key[DNASYNC_DHT_KEY_BYTES];
        dht_key_hash(name, key);
        char khex[41], *b64 = NULL;
        hex(key, sizeof key, khex);
        if (gw_b64_encode(buf, len, &b64) != 0)
            die("base64");
        size_t cap = strlen(b64) + 512;
        char *body = malloc(cap);
        body[0] = 1; /* fuzz_gateway: put */
        int n = snprintf(body + 1, cap - 1,
                         "{\"values\":[{\"key\":\"%s\",\"kind\":\"%s\",\"id\":\"%016llx\","
                         "\"created\":%llu,\"data\":\"%s\"}]}",
                         khex, dht_kind_name(v.kind), (unsigned long long)dht_value_id(&v),
                         (unsigned long long)v.created_at, b64);
        snprintf(path, sizeof path, "put-%s", files[f]);
        put("gateway", path, body, (size_t)n + 1);
        /* the same value's key as a route, with its id */
        n = snprintf(body, cap, "%c/v1/key/%s\n%016llx", 0, khex,
                     (unsigned long long)dht_value_id(&v));
        snprintf(path, sizeof path, "route-values-%s", files[f]);
        put("gateway", path, body, (size_t)n);
        body[0] = 3; /* base64 alone */
        n = snprintf(body + 1, cap - 1, "%s", b64);
        snprintf(path, sizeof path, "b64-%s", files[f]);
        put("gateway", path, body, (size_t)n + 1);
        snprintf(keys_body + strlen(keys_body), sizeof keys_body - strlen(keys_body), "%s\"%s\"",
                 f ? "," : "", khex);
        free(body);
        free(b64);
        dht_value_clear(&v);
    }
    strcat(keys_body, "]}");
    char req[1100];
    int n = snprintf(req, sizeof req, "%c%s", 2, keys_body);
    put("gateway", "get-keys", req, (size_t)n);
    static const char *const routes[] = {"/health", "/v1/key/%s/ids", "/v1/key/%s/listen",
                                         "/v1/get", "/v1/put"};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        char path[128], fname[32];
        req[0] = 0;
        snprintf(path, sizeof path, routes[i], "0123456789abcdef0123456789abcdef01234567");
        n = snprintf(req + 1, sizeof req - 1, "%s", path);
        snprintf(fname, sizeof fname, "route-%zu", i);
        put("gateway", fname, req, (size_t)n + 1);
    }
}

/* The JSON-RPC corpus: one line per method, as docs/rpc.md shows them. */
static void rpc(void)
{
    static const char *const lines[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"recipient\":\"bob\","
        "\"text\":\"hello\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"sync\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"inbox\",\"params\":{\"limit\":1}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"read\",\"params\":{\"message_id\":"
        "\"527e47227df3cfeb6077464942f51e637d35ff61d6e860b69f5380084df071df\",\"share\":true}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"five\",\"method\":\"delete\",\"params\":{\"message_id\":"
        "\"527e47227df3cfeb6077464942f51e637d35ff61d6e860b69f5380084df071df\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"status\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"days\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"link_code\",\"params\":{\"passphrase\":"
        "\"correct horse\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"prune\",\"params\":{\"days\":90}}",
        "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"cli\",\"params\":{\"argv\":[\"inbox\","
        "\"--limit\",\"1\"]}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"nosuch\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "line-%02zu", i);
        put("rpc", name, lines[i], strlen(lines[i]));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: fuzz_make_corpus DIR");
    root = argv[1];
    mkdir(root, 0755);
    dnasync_identity_t *alice = ident("alice"), *bob = ident("bob");
    char longest[DNASYNC_NAME_MAX + 1];
    memset(longest, 'z', DNASYNC_NAME_MAX);
    longest[DNASYNC_NAME_MAX] = '\0';
    dnasync_identity_t *lz = ident(longest);
    values(alice, bob);
    bundles(alice, bob);
    linkcodes(alice, lz);
    configs();
    gateway();
    rpc();
    dnasync_identity_free(alice);
    dnasync_identity_free(bob);
    dnasync_identity_free(lz);
    return 0;
}
