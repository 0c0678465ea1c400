/* C side of tests/web/test_web_codec.js: writes values with the C codec (boundary sizes of every
 * msgpack form the codec uses) with their fields, and judges values the JavaScript codec wrote.
 * stdin: "vectors" -> one line per value: <encoding hex> <value id 16 hex> <fields as JSON>
 *        "bundles" -> the same for bundles (format 2, every kind and member-count form)
 *        "check HEX" -> "ok <kind> <value id 16 hex> <signature ok 0|1>" or "bad <status>" */
#include "common/hex.h"
#include "dht/dht_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t sk[32];

static void hexp(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
}

static void emit(dht_value_t *v)
{
    uint8_t *enc = NULL;
    size_t len = 0;
    if (dht_value_sign(v, sk) != 0 || dht_value_encode(v, &enc, &len) != 0) {
        fprintf(stderr, "cannot encode a kind %d value\n", v->kind);
        exit(1);
    }
    hexp(enc, len);
    printf(" %016llx {\"kind\":%d,\"created_at\":\"%llu\",\"author_pk\":\"",
           (unsigned long long)dht_value_id(v), v->kind, (unsigned long long)v->created_at);
    hexp(v->author_pk, 32);
    printf("\",\"sig\":\"");
    hexp(v->sig, 64);
    printf("\"");
    switch (v->kind) {
    case DHT_KIND_MESSAGE:
        printf(",\"message_id\":\"%s\",\"sender\":\"%s\",\"recipient\":\"%s\",\"payload\":\"",
               v->message_id, v->sender, v->recipient);
        hexp(v->payload, v->payload_len);
        printf("\"");
        break;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_RECEIPT:
        printf(",\"message_id\":\"%s\",\"%s\":\"%llu\",\"owner\":\"%s\",\"writer_id\":\"",
               v->message_id, v->kind == DHT_KIND_RECEIPT ? "read_at" : "deleted_at",
               (unsigned long long)(v->kind == DHT_KIND_RECEIPT ? v->read_at : v->deleted_at),
               v->owner);
        hexp(v->writer_id, 16);
        printf("\"");
        break;
    case DHT_KIND_IDENTITY:
        printf(",\"name\":\"%s\",\"signing_pk\":\"", v->name);
        hexp(v->signing_pk, 32);
        printf("\",\"kem_pk\":\"");
        hexp(v->kem_pk, DHT_KEM_PK_BYTES);
        printf("\",\"devices\":[");
        for (size_t i = 0; i < v->n_devices; i++)
            printf("%s\"%s\"", i ? "," : "", v->devices[i]);
        printf("]");
        break;
    case DHT_KIND_BUNDLE_MESSAGE:
    case DHT_KIND_BUNDLE_TOMBSTONE:
    case DHT_KIND_BUNDLE_RECEIPT:
        printf(",\"mailbox\":\"%s\",\"day\":\"%llu\",\"shard\":%u,\"writer_id\":\"", v->mailbox,
               (unsigned long long)v->day, v->shard);
        hexp(v->writer_id, 16);
        printf("\",\"members\":[");
        for (size_t i = 0; i < v->n_members; i++) {
            const dht_member_t *m = &v->members[i];
            printf("%s{\"message_id\":\"%s\",\"at\":\"%llu\"", i ? "," : "", m->message_id,
                   (unsigned long long)m->at);
            if (v->kind == DHT_KIND_BUNDLE_MESSAGE) {
                printf(",\"sender\":\"%s\",\"recipient\":\"%s\",\"payload\":\"", m->sender,
                       m->recipient);
                hexp(m->payload, m->payload_len);
                printf("\"");
            }
            printf("}");
        }
        printf("]");
        break;
    default:
        printf(",\"mailbox\":\"%s\",\"day\":\"%llu\",\"writer_id\":\"", v->mailbox,
               (unsigned long long)v->day);
        hexp(v->writer_id, 16);
        printf("\",\"counter\":\"%llu\",\"entries\":[", (unsigned long long)v->counter);
        for (size_t i = 0; i < v->n_entries; i++)
            printf("%s[%u,%u,\"%llu\"]", i ? "," : "", v->entries[i].shard, v->entries[i].count,
                   (unsigned long long)v->entries[i].xor_ids);
        printf("]");
    }
    printf("}\n");
    free(enc);
}

/* A name of n bytes (printable, no '/', no '"' or '\\' so it prints as JSON as is). */
static char *name_of(size_t n, int c)
{
    static const char alpha[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_~";
    static char buf[4][65];
    static int k;
    char *s = buf[k++ % 4];
    for (size_t i = 0; i < n; i++)
        s[i] = alpha[(c + (int)i) % (int)(sizeof alpha - 1)];
    s[n] = '\0';
    return s;
}

static void vectors(void)
{
    static const uint64_t nums[] = {0,
                                    1,
                                    127,
                                    128,
                                    255,
                                    256,
                                    65535,
                                    65536,
                                    4294967295ull,
                                    4294967296ull,
                                    9223372036854775807ull};
    static const size_t name_lens[] = {1, 31, 32, 64};
    static const size_t payload_lens[] = {0, 1, 255, 256, 6000, 63700};
    static uint8_t payload[63700], kem[DHT_KEM_PK_BYTES];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof kem; i++)
        kem[i] = (uint8_t)(i * 13 + 1);
    char id[65];
    for (int i = 0; i < 64; i++)
        id[i] = "0123456789abcdef"[(i * 5 + 3) % 16];
    id[64] = '\0';
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        dht_value_t v = {.version = 1, .kind = DHT_KIND_MESSAGE, .created_at = nums[k]};
        memcpy(v.message_id, id, 65);
        v.message_id[0] = "0123456789abcdef"[k % 16];
        size_t ln = name_lens[k % 4], lp = payload_lens[k % 6];
        v.sender = name_of(ln, 0);
        v.recipient = name_of(name_lens[(k + 1) % 4], 7);
        v.payload = payload;
        v.payload_len = lp;
        emit(&v);
        dht_value_t t = {.version = 1,
                         .kind = k % 2 ? DHT_KIND_TOMBSTONE : DHT_KIND_RECEIPT,
                         .created_at = nums[(k + 3) % 11]};
        memcpy(t.message_id, v.message_id, 65);
        t.deleted_at = t.read_at = nums[k];
        t.owner = name_of(ln, 13);
        memset(t.writer_id, (int)k, 16);
        emit(&t);
        dht_value_t s = {.version = 1,
                         .kind = DHT_KIND_SUMMARY,
                         .created_at = nums[k],
                         .day = nums[(k + 5) % 11],
                         .counter = k == 10 ? UINT64_MAX : nums[k]};
        s.mailbox = name_of(ln, 29);
        memset(s.writer_id, (int)(k * 17), 16);
        static const size_t ne[] = {0, 1, 15, 16, 128};
        dht_summary_entry_t e[128];
        s.n_entries = ne[k % 5];
        for (size_t i = 0; i < s.n_entries; i++)
            e[i] = (dht_summary_entry_t){(uint8_t)(s.n_entries == 128 ? i : i * 7),
                                         (uint32_t)nums[(i + k) % 9],
                                         i % 3 ? nums[(i + k) % 11] : UINT64_MAX - i};
        s.entries = e;
        emit(&s);
        dht_value_t d = {.version = 1, .kind = DHT_KIND_IDENTITY, .created_at = nums[k]};
        d.name = name_of(ln, 41);
        memcpy(d.kem_pk, kem, sizeof kem);
        char devs[16][33], *dp[16];
        d.n_devices = k % 2 ? 16 : k % 3;
        for (size_t i = 0; i < d.n_devices; i++) {
            for (int j = 0; j < 32; j++)
                devs[i][j] = "0123456789abcdef"[(j + i) % 16];
            devs[i][32] = '\0';
            dp[i] = devs[i];
        }
        d.devices = dp;
        emit(&d);
    }
}

/* Bundles of every kind with 1, 2, 15, 16 and 300 members (the fixarray and array16 forms),
 * message payloads of several sizes, times across the integer forms. */
static void bundles(void)
{
    static const size_t counts[] = {1, 2, 15, 16, 300};
    static const uint64_t times[] = {0, 127, 65536, 4294967296ull, 9223372036854775807ull};
    static dht_member_t m[300];
    static uint8_t payload[4000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 11 + 5);
    for (int kind = DHT_KIND_BUNDLE_MESSAGE; kind <= DHT_KIND_BUNDLE_RECEIPT; kind++) {
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            size_t n = counts[c];
            if (kind == DHT_KIND_BUNDLE_MESSAGE && n > 16)
                n = 16; /* payloads: stay below the value limit */
            unsigned shard = (unsigned)(c * 31 + (unsigned)kind) % 128;
            dht_value_t v = {.version = 2, .kind = (uint8_t)kind, .day = times[c] / 2};
            v.mailbox = name_of(c % 2 ? 64 : 5, 3);
            v.shard = (uint8_t)shard;
            memset(v.writer_id, (int)(c + 1), 16);
            v.created_at = UINT64_MAX;
            for (size_t i = 0; i < n; i++) {
                memset(&m[i], 0, sizeof m[i]);
                snprintf(m[i].message_id, sizeof m[i].message_id, "%02x%014x%048x", shard & 0x7fu,
                         (unsigned)i & 0xffffu, (unsigned)(i * 7919) & 0xffffffu);
                m[i].at = times[(i + c) % 5];
                if (m[i].at < v.created_at)
                    v.created_at = m[i].at;
                if (kind == DHT_KIND_BUNDLE_MESSAGE) {
                    m[i].sender = i % 2 ? v.mailbox : name_of(31, 9);
                    m[i].recipient = i % 2 ? name_of(32, 17) : v.mailbox;
                    m[i].payload = payload;
                    m[i].payload_len = (i * 997 + c * 31) % sizeof payload;
                }
            }
            v.members = m;
            v.n_members = n;
            emit(&v);
        }
    }
}

static void check(const char *hex)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = malloc(n ? n : 1);
    if (!b || dnasync_hex_decode(hex, b, n) != 0) {
        printf("bad hex\n");
        free(b);
        return;
    }
    dht_value_t v;
    int rc = dht_value_decode(b, n, &v);
    if (rc == 0)
        printf("ok %d %016llx %d\n", v.kind, (unsigned long long)dht_value_id(&v),
               dht_value_verify(&v) == 0);
    else
        printf("bad %d\n", rc);
    dht_value_clear(&v);
    free(b);
}

int main(void)
{
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)(0x40 + i);
    static char line[1 << 18];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "vectors") == 0)
            vectors();
        else if (strcmp(line, "bundles") == 0)
            bundles();
        else if (strncmp(line, "check ", 6) == 0)
            check(line + 6);
        else
            printf("unknown command\n");
        fflush(stdout);
    }
    return 0;
}
