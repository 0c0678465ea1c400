/* Ciphertext compression (migration 5): compressible payloads stored as zlib streams and read
 * back byte-identical through every read path, random bytes and real envelopes stored raw, the
 * size limits, the batch path, corrupt streams refused with ECORRUPT by get and skipped (counted,
 * reported, left as stored) by the bulk reads, with nothing else broken,
 * the upgrade of a version-4 file, and the counters. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h" /* cache_ct_candidate, CACHE_COMPRESS_MIN */
#include "cache_test_util.h"
#include "crypto/envelope.h"
#include "crypto/mlkem.h"
#include "row_text.h"

#include <zlib.h>

/* A message whose ciphertext is bytes[0..len) (copied), with a real id. */
static void mk_bytes(message_info_t *m, const char *sender, const char *recipient,
                     int64_t created_at, const uint8_t *bytes, size_t len)
{
    memset(m, 0, sizeof *m);
    m->sender = strdup(sender);
    m->recipient = strdup(recipient);
    m->ciphertext_len = len;
    m->ciphertext = malloc(len + 1);
    CHECK(m->sender && m->recipient && m->ciphertext);
    if (len)
        memcpy(m->ciphertext, bytes, len);
    m->created_at = created_at;
    CHECK_EQ_INT(dnasync_message_id(sender, recipient, (uint64_t)created_at, m->ciphertext, len,
                                    m->message_id),
                 0);
}

/* Chat-like text of len bytes (compressible); seed varies the words. malloc'd. */
static uint8_t *chat_text(size_t len, unsigned seed)
{
    static const char *words[] = {"see", "you", "at",    "the",  "station", "tomorrow", "ok",
                                  "I'm", "on",  "my",    "way",  "lunch",   "today?",   "sure",
                                  "the", "cat", "again", "haha", "sent",    "photos"};
    uint8_t *p = malloc(len + 1);
    CHECK(p);
    size_t n = 0;
    unsigned x = seed * 2654435761u + 1;
    while (n < len) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % (sizeof words / sizeof words[0])];
        for (size_t i = 0; w[i] && n < len; i++)
            p[n++] = (uint8_t)w[i];
        if (n < len)
            p[n++] = ' ';
    }
    return p;
}

static uint8_t *random_bytes(size_t len)
{
    uint8_t *p = malloc(len + 1);
    CHECK(p);
    CHECK_EQ_INT(dnasync_env_random(NULL, p, len), 0);
    return p;
}

typedef struct stored {
    int64_t enc;
    int64_t len;      /* length(ciphertext) */
    int64_t orig_len; /* ciphertext_len, -1 for NULL */
    uint8_t *blob;    /* malloc'd copy of the stored blob (NULL when empty) */
} stored_t;

static void stored_row(dnasync_cache_t *c, const char *id, stored_t *s)
{
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(
        sqlite3_prepare_v2(dnasync_cache_db(c),
                           "SELECT ciphertext_encoding, length(ciphertext), "
                           "ciphertext_len, ciphertext FROM messages WHERE message_id = ?1",
                           -1, &st, NULL),
        SQLITE_OK);
    CHECK_EQ_INT(sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    s->enc = sqlite3_column_int64(st, 0);
    s->len = sqlite3_column_int64(st, 1);
    s->orig_len = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
    s->blob = NULL;
    int bl = sqlite3_column_bytes(st, 3);
    CHECK_EQ_INT(bl, s->len);
    if (bl > 0) {
        s->blob = malloc((size_t)bl);
        CHECK(s->blob);
        memcpy(s->blob, sqlite3_column_blob(st, 3), (size_t)bl);
    }
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
}

/* Overwrites the stored row with raw SQL; orig_len < 0 stores NULL. */
static void set_row(dnasync_cache_t *c, const char *id, const uint8_t *blob, size_t len,
                    int64_t enc, int64_t orig_len)
{
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(
        sqlite3_prepare_v2(dnasync_cache_db(c),
                           "UPDATE messages SET ciphertext = ?1, ciphertext_encoding = ?2, "
                           "ciphertext_len = ?3 WHERE message_id = ?4",
                           -1, &st, NULL),
        SQLITE_OK);
    CHECK_EQ_INT(len ? sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_TRANSIENT)
                     : sqlite3_bind_zeroblob(st, 1, 0),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_bind_int64(st, 2, enc), SQLITE_OK);
    CHECK_EQ_INT(orig_len < 0 ? sqlite3_bind_null(st, 3) : sqlite3_bind_int64(st, 3, orig_len),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_bind_text(st, 4, id, -1, SQLITE_TRANSIENT), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_changes(dnasync_cache_db(c)), 1);
}

static int same_bytes(const message_info_t *g, const uint8_t *want, size_t len)
{
    if (g->ciphertext_len != len)
        return 0;
    return len == 0 ? g->ciphertext == NULL : memcmp(g->ciphertext, want, len) == 0;
}

/* get returns exactly want[0..len). */
static void check_get(dnasync_cache_t *c, const char *id, const uint8_t *want, size_t len)
{
    message_info_t g;
    int rc = dnasync_cache_get(c, id, &g);
    if (rc)
        fprintf(stderr, "get: %s\n", dnasync_cache_errmsg(c));
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(g.ciphertext_len, len);
    CHECK(same_bytes(&g, want, len));
    message_info_clear(&g);
}

/* The message appears in list(all, deleted included) with exactly want[0..len). */
static void check_listed(dnasync_cache_t *c, const char *id, const uint8_t *want, size_t len)
{
    message_info_t *arr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_list(c, NULL, NULL, 0, 1, &arr, &n), 0);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i].message_id, id) == 0) {
            found++;
            CHECK(same_bytes(&arr[i], want, len));
        }
    CHECK_EQ_INT(found, 1);
    dnasync_cache_free_messages(arr, n);
}

static void check_stats_consistent(dnasync_cache_t *c)
{
    int64_t rows = -1, comp = -1, raw = -1, stored = -1;
    CHECK_EQ_INT(dnasync_cache_compression_stats(c, &rows, &comp, &raw, &stored), 0);
    CHECK_EQ_INT(rows, sql_int(c, "SELECT count(*) FROM messages"));
    CHECK_EQ_INT(comp, sql_int(c, "SELECT count(*) FROM messages WHERE ciphertext_encoding = 1"));
    CHECK_EQ_INT(stored, sql_int(c, "SELECT IFNULL(sum(length(ciphertext)), 0) FROM messages"));
    CHECK(stored <= raw);
}

/* Repeated text: stored as a zlib stream, shorter, read back identically by get, list and
 * pending, also from a fresh handle; the blob is a plain zlib stream. */
static void test_text_compressed(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, "0123456789abcdef0123456789abcdef", 1),
                 0);
    const char *line = "hello bob, are we still on for lunch at noon? ";
    size_t len = 0;
    uint8_t *text = malloc(2000);
    CHECK(text);
    while (len + strlen(line) <= 2000) {
        memcpy(text + len, line, strlen(line));
        len += strlen(line);
    }
    message_info_t m;
    mk_bytes(&m, "alice", "bob", 1000, text, len);
    int ins = 0;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, &ins), 0);
    CHECK_EQ_INT(ins, 1);
    stored_t s;
    stored_row(t.c, m.message_id, &s);
    CHECK_EQ_INT(s.enc, 1);
    CHECK(s.len < (int64_t)len / 4); /* 47 bytes repeated: compresses to a small fraction */
    CHECK_EQ_INT(s.orig_len, len);
    /* an ordinary zlib stream of the original bytes */
    uLongf out_len = (uLongf)len;
    uint8_t *out = malloc(len);
    CHECK(out);
    CHECK_EQ_INT(uncompress(out, &out_len, s.blob, (uLong)s.len), Z_OK);
    CHECK_EQ_INT(out_len, len);
    CHECK(memcmp(out, text, len) == 0);
    free(out);
    free(s.blob);

    check_get(t.c, m.message_id, text, len);
    check_listed(t.c, m.message_id, text, len);
    message_info_t *arr = NULL;
    size_t n = 0;
    int64_t last = 0;
    CHECK_EQ_INT(dnasync_cache_pending(t.c, 0, 10, &arr, &last, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(same_bytes(&arr[0], text, len));
    /* the message id recomputed from what the cache returns is the stored id */
    char id[DNASYNC_ID_HEX_LEN + 1];
    CHECK_EQ_INT(dnasync_message_id(arr[0].sender, arr[0].recipient, (uint64_t)arr[0].created_at,
                                    arr[0].ciphertext, arr[0].ciphertext_len, id),
                 0);
    CHECK_EQ_STR(id, m.message_id);
    dnasync_cache_free_messages(arr, n);
    check_pending_invariant(t.c);

    /* a duplicate with other bytes changes nothing */
    message_info_t d;
    CHECK_EQ_INT(message_info_copy(&d, &m), 0);
    memset(d.ciphertext, 'z', d.ciphertext_len);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &d, &ins), 0);
    CHECK_EQ_INT(ins, 0);
    message_info_clear(&d);
    check_get(t.c, m.message_id, text, len);

    /* a new handle (new inflate state) reads it the same */
    dnasync_cache_free(t.c);
    CHECK_EQ_INT(dnasync_cache_open(t.path, &t.c), 0);
    check_get(t.c, m.message_id, text, len);
    check_stats_consistent(t.c);
    message_info_clear(&m);
    free(text);
    tcache_close(&t);
}

/* Random bytes and a real envelope: stored raw, byte for byte. */
static void test_random_and_envelope_raw(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    const size_t sizes[] = {64, 100, 511, 512, 513, 1890, 3000, 40000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *r = random_bytes(sizes[k]);
        message_info_t m;
        mk_bytes(&m, "alice", "bob", 2000 + (int64_t)k, r, sizes[k]);
        CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, NULL), 0);
        stored_t s;
        stored_row(t.c, m.message_id, &s);
        CHECK_EQ_INT(s.enc, 0);
        CHECK_EQ_INT(s.orig_len, -1);
        CHECK_EQ_INT(s.len, sizes[k]);
        CHECK(memcmp(s.blob, r, sizes[k]) == 0);
        free(s.blob);
        check_get(t.c, m.message_id, r, sizes[k]);
        message_info_clear(&m);
        free(r);
    }

    /* a real envelope of a chat text, sealed to two keys as the engine does */
    static uint8_t ek1[MLKEM512_EK_BYTES], dk1[MLKEM512_DK_BYTES], ek2[MLKEM512_EK_BYTES],
        dk2[MLKEM512_DK_BYTES];
    CHECK_EQ_INT(mlkem512_keygen(ek1, dk1, NULL), 0);
    CHECK_EQ_INT(mlkem512_keygen(ek2, dk2, NULL), 0);
    const uint8_t *eks[2] = {ek1, ek2};
    uint8_t *body = chat_text(700, 3);
    uint8_t *env = NULL;
    size_t env_len = 0;
    CHECK_EQ_INT(dnasync_envelope_seal(eks, 2, NULL, 0, body, 700, NULL, &env, &env_len), 0);
    CHECK_EQ_INT(env_len, DNASYNC_ENVELOPE_SIZE(2, 700));
    message_info_t m;
    mk_bytes(&m, "alice", "bob", 3000, env, env_len);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, NULL), 0);
    stored_t s;
    stored_row(t.c, m.message_id, &s);
    CHECK_EQ_INT(s.enc, 0);
    CHECK_EQ_INT(s.len, env_len);
    CHECK(memcmp(s.blob, env, env_len) == 0);
    free(s.blob);
    /* what the cache returns still opens */
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, m.message_id, &g), 0);
    uint8_t *opened = NULL;
    size_t opened_len = 0;
    CHECK_EQ_INT(dnasync_envelope_open(dk2, ek2, NULL, 0, g.ciphertext, g.ciphertext_len, &opened,
                                       &opened_len, NULL, 0),
                 0);
    CHECK_EQ_INT(opened_len, 700);
    CHECK(memcmp(opened, body, 700) == 0);
    free(opened);
    message_info_clear(&g);
    message_info_clear(&m);
    free(env);
    free(body);
    int64_t comp = -1;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, NULL, &comp, NULL, NULL), 0);
    CHECK_EQ_INT(comp, 0);
    check_stats_consistent(t.c);
    tcache_close(&t);
}

/* Empty, tiny, the 64-byte threshold, text that zlib cannot shrink, and the size bound. */
static void test_sizes(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    struct {
        size_t len;
        int pattern; /* 0 'a' repeated, 1 base64-like (zlib makes it larger), 2 chat text */
        int want_enc;
    } cases[] = {
        {0, 0, 0},
        {1, 0, 0},
        {63, 0, 0},  /* below the threshold, although zlib would shrink it */
        {64, 0, 1},  /* the smallest payload that is tried */
        {100, 1, 0}, /* passes the histogram check, but the zlib stream is not smaller */
        {5000, 2, 1},
        {DNASYNC_ENVELOPE_MAX_BYTES, 2, 1},     /* the largest payload that is tried */
        {DNASYNC_ENVELOPE_MAX_BYTES + 1, 2, 0}, /* over the bound: always raw */
        {200000, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len = cases[k].len;
        uint8_t *p;
        if (cases[k].pattern == 2) {
            p = chat_text(len, (unsigned)k);
        } else {
            p = malloc(len + 1);
            CHECK(p);
            static const char b64[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            uint8_t *r = random_bytes(len);
            for (size_t i = 0; i < len; i++)
                p[i] = cases[k].pattern == 0 ? 'a' : (uint8_t)b64[r[i] & 63];
            free(r);
        }
        if (cases[k].pattern == 1) { /* the premise: zlib does not shrink it */
            uLongf bound = compressBound((uLong)len), zl = bound;
            uint8_t *z = malloc(bound);
            CHECK(z);
            CHECK_EQ_INT(compress2(z, &zl, p, (uLong)len, Z_DEFAULT_COMPRESSION), Z_OK);
            CHECK(zl >= len);
            free(z);
        }
        message_info_t m;
        mk_bytes(&m, "alice", "bob", 4000 + (int64_t)k, p, len);
        CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, NULL), 0);
        stored_t s;
        stored_row(t.c, m.message_id, &s);
        if (s.enc != cases[k].want_enc)
            fprintf(stderr, "case %zu (%zu bytes): encoding %lld\n", k, len, (long long)s.enc);
        CHECK_EQ_INT(s.enc, cases[k].want_enc);
        if (s.enc == 1) {
            CHECK(s.len < (int64_t)len);
            CHECK_EQ_INT(s.orig_len, len);
        } else {
            CHECK_EQ_INT(s.len, len);
            CHECK_EQ_INT(s.orig_len, -1);
            CHECK(len == 0 || memcmp(s.blob, p, len) == 0);
        }
        free(s.blob);
        check_get(t.c, m.message_id, p, len);
        check_listed(t.c, m.message_id, p, len);
        message_info_clear(&m);
        free(p);
    }
    check_stats_consistent(t.c);
    tcache_close(&t);
}

/* insert_batch compresses row by row (the handle's buffer is reused: each row must keep its own
 * bytes), and a failed batch stores nothing. Many sizes in turn reuse the zlib state. */
static void test_batch(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    enum { N = 40 };
    message_info_t m[N];
    uint8_t *data[N];
    size_t lens[N];
    int want_enc[N];
    for (int i = 0; i < N; i++) {
        switch (i % 4) {
        case 0:
            lens[i] = 200 + (size_t)i * 911;
            data[i] = chat_text(lens[i], (unsigned)i);
            want_enc[i] = 1;
            break;
        case 1:
            lens[i] = 1890;
            data[i] = random_bytes(lens[i]);
            want_enc[i] = 0;
            break;
        case 2:
            lens[i] = (size_t)i % 3 == 0 ? 0 : 20;
            data[i] = chat_text(lens[i], (unsigned)i);
            want_enc[i] = 0;
            break;
        default:
            lens[i] = 64 + (size_t)i * 37;
            data[i] = chat_text(lens[i], (unsigned)i + 100);
            want_enc[i] = 1;
            break;
        }
        mk_bytes(&m[i], i % 2 ? "carol" : "alice", "bob", 5000 + i, data[i], lens[i]);
    }
    size_t ins = 0;
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, m, N, &ins), 0);
    CHECK_EQ_INT(ins, N);
    int64_t raw_sum = 0;
    for (int i = 0; i < N; i++) {
        stored_t s;
        stored_row(t.c, m[i].message_id, &s);
        if (s.enc != want_enc[i])
            fprintf(stderr, "row %d (%zu bytes): encoding %lld\n", i, lens[i], (long long)s.enc);
        CHECK_EQ_INT(s.enc, want_enc[i]);
        free(s.blob);
        check_get(t.c, m[i].message_id, data[i], lens[i]);
        raw_sum += (int64_t)lens[i];
    }
    message_info_t *arr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, "bob", 0, 0, &arr, &n), 0);
    CHECK_EQ_INT(n, N);
    for (size_t k = 0; k < n; k++) {
        int i = (int)(arr[k].created_at - 5000);
        CHECK(i >= 0 && i < N);
        CHECK(same_bytes(&arr[k], data[i], lens[i]));
    }
    dnasync_cache_free_messages(arr, n);
    int64_t rows, comp, raw, stored;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK_EQ_INT(rows, N);
    CHECK_EQ_INT(comp, N / 2);
    CHECK_EQ_INT(raw, raw_sum);
    check_stats_consistent(t.c);

    /* a batch failing on its third row stores nothing, compressed rows included */
    message_info_t b[3];
    uint8_t *tx = chat_text(3000, 77);
    mk_bytes(&b[0], "dave", "bob", 9000, tx, 3000);
    mk_bytes(&b[1], "dave", "bob", 9001, tx, 1500);
    mk_bytes(&b[2], "dave", "bob", 9002, tx, 100);
    b[2].message_id[0] = 'X'; /* not a valid id */
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, b, 3, &ins), DNASYNC_EINVAL);
    CHECK_EQ_INT(ins, 0);
    int64_t rows2, comp2, raw2, stored2;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows2, &comp2, &raw2, &stored2), 0);
    CHECK(rows2 == rows && comp2 == comp && raw2 == raw && stored2 == stored);
    CHECK_EQ_INT(dnasync_cache_has(t.c, b[0].message_id), 0);
    check_pending_invariant(t.c);
    for (int i = 0; i < 3; i++)
        message_info_clear(&b[i]);
    free(tx);
    for (int i = 0; i < N; i++) {
        message_info_clear(&m[i]);
        free(data[i]);
    }
    tcache_close(&t);
}

/* After the stored row of `bad` was damaged: get/list/pending reading it say ECORRUPT with the
 * id; everything else still works. */

static int64_t rowid_of(dnasync_cache_t *c, const char *id)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT id FROM messages WHERE message_id = '%s'", id);
    return sql_int(c, sql);
}

/* What the damaged callback saw. */
typedef struct seen {
    int calls;
    char id[DNASYNC_ID_HEX_LEN + 1];
    char reason[512];
} seen_t;

static void on_damaged(void *user, const char *message_id, const char *reason)
{
    seen_t *s = user;
    s->calls++;
    snprintf(s->id, sizeof s->id, "%s", message_id);
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

/* The readable rows around the damaged one: pending before and after it (same conversation),
 * and a synced one elsewhere. */
typedef struct around {
    const message_info_t *before, *after, *good;
    const uint8_t *before_bytes, *after_bytes, *good_bytes;
} around_t;

/* One skip: the count grew by one and the last damaged row is `bad`, for reason `why`. */
static void check_skipped(dnasync_cache_t *c, seen_t *seen, int64_t *count, const char *bad,
                          const char *why)
{
    (*count)++;
    CHECK_EQ_INT(dnasync_cache_damaged_count(c), *count);
    CHECK_EQ_INT(seen->calls, *count);
    CHECK_EQ_STR(seen->id, bad);
    if (!strstr(seen->reason, why))
        fprintf(stderr, "reason: %s (want \"%s\")\n", seen->reason, why);
    CHECK(strstr(seen->reason, why) != NULL);
    char id[DNASYNC_ID_HEX_LEN + 1];
    const char *last = dnasync_cache_damaged_last(c, id);
    CHECK(last && strcmp(last, seen->reason) == 0);
    CHECK_EQ_STR(id, bad);
}

static void check_damaged(dnasync_cache_t *c, const char *bad, const char *bad_conv,
                          const around_t *a, seen_t *seen, const char *why)
{
    char *row_before = test_row_text(dnasync_cache_db(c), bad);
    int64_t count = dnasync_cache_damaged_count(c);
    CHECK_EQ_INT(seen->calls, count);
    /* get of the damaged id itself: ECORRUPT, id and reason in the message */
    message_info_t g;
    memset(&g, 0x5a, sizeof g);
    CHECK_EQ_INT(dnasync_cache_get(c, bad, &g), DNASYNC_ECORRUPT);
    const char *msg = dnasync_cache_errmsg(c);
    if (!strstr(msg, why) || !strstr(msg, bad))
        fprintf(stderr, "errmsg: %s (want \"%s\")\n", msg, why);
    CHECK(strstr(msg, bad) != NULL);
    CHECK(strstr(msg, why) != NULL);
    CHECK(g.ciphertext == NULL && g.sender == NULL && g.ciphertext_len == 0);
    CHECK_EQ_INT(dnasync_cache_damaged_count(c), count); /* get is not a bulk read */

    /* list of its conversation: the two others, newest first; the damaged one skipped */
    message_info_t *arr = (message_info_t *)1;
    size_t n = 7;
    CHECK_EQ_INT(dnasync_cache_list(c, bad_conv, NULL, 0, 1, &arr, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(arr[0].message_id, a->after->message_id);
    CHECK(same_bytes(&arr[0], a->after_bytes, a->after->ciphertext_len));
    CHECK_EQ_STR(arr[1].message_id, a->before->message_id);
    CHECK(same_bytes(&arr[1], a->before_bytes, a->before->ciphertext_len));
    dnasync_cache_free_messages(arr, n);
    check_skipped(c, seen, &count, bad, why);
    /* the damaged row does not take a readable row's place under a limit */
    CHECK_EQ_INT(dnasync_cache_list(c, bad_conv, NULL, 2, 1, &arr, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(arr[1].message_id, a->before->message_id);
    dnasync_cache_free_messages(arr, n);
    check_skipped(c, seen, &count, bad, why);
    /* a limit reached before the damaged row: not met, not counted */
    CHECK_EQ_INT(dnasync_cache_list(c, bad_conv, NULL, 1, 1, &arr, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(arr[0].message_id, a->after->message_id);
    dnasync_cache_free_messages(arr, n);
    CHECK_EQ_INT(dnasync_cache_damaged_count(c), count);
    /* every message, and by recipient */
    CHECK_EQ_INT(dnasync_cache_list(c, NULL, "bob", 0, 0, &arr, &n), 0);
    CHECK_EQ_INT(n, 3);
    dnasync_cache_free_messages(arr, n);
    check_skipped(c, seen, &count, bad, why);

    /* pending: both readable ones; the cursor ends past the damaged row */
    int64_t r_before = rowid_of(c, a->before->message_id), r_bad = rowid_of(c, bad),
            r_after = rowid_of(c, a->after->message_id);
    CHECK(r_before < r_bad && r_bad < r_after);
    int64_t last = 0;
    CHECK_EQ_INT(dnasync_cache_pending(c, 0, 100, &arr, &last, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(arr[0].message_id, a->before->message_id);
    CHECK(same_bytes(&arr[0], a->before_bytes, a->before->ciphertext_len));
    CHECK_EQ_STR(arr[1].message_id, a->after->message_id);
    CHECK(same_bytes(&arr[1], a->after_bytes, a->after->ciphertext_len));
    CHECK_EQ_INT(last, r_after);
    dnasync_cache_free_messages(arr, n);
    check_skipped(c, seen, &count, bad, why);
    /* one row at a time, as upload walks: before, then (past the damaged row) after, then end */
    CHECK_EQ_INT(dnasync_cache_pending(c, 0, 1, &arr, &last, &n), 0);
    CHECK(n == 1 && last == r_before);
    CHECK_EQ_STR(arr[0].message_id, a->before->message_id);
    dnasync_cache_free_messages(arr, n);
    CHECK_EQ_INT(dnasync_cache_damaged_count(c), count);
    CHECK_EQ_INT(dnasync_cache_pending(c, last, 1, &arr, &last, &n), 0);
    CHECK(n == 1 && last == r_after);
    CHECK_EQ_STR(arr[0].message_id, a->after->message_id);
    dnasync_cache_free_messages(arr, n);
    check_skipped(c, seen, &count, bad, why);
    CHECK_EQ_INT(dnasync_cache_pending(c, last, 1, &arr, &last, &n), 0);
    CHECK(n == 0 && arr == NULL && last == r_after);
    /* the damaged row the last pending one: nothing returned, the cursor still moves past it */
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE messages SET synced_to_dht = 1 WHERE id = %lld",
             (long long)r_after);
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(c), sql, NULL, NULL, NULL), SQLITE_OK);
    last = r_before;
    CHECK_EQ_INT(dnasync_cache_pending(c, r_before, 100, &arr, &last, &n), 0);
    CHECK(n == 0 && arr == NULL && last == r_bad);
    check_skipped(c, seen, &count, bad, why);
    snprintf(sql, sizeof sql, "UPDATE messages SET synced_to_dht = 0 WHERE id = %lld",
             (long long)r_after);
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(c), sql, NULL, NULL, NULL), SQLITE_OK);

    /* the rest is fine */
    CHECK_EQ_INT(dnasync_cache_has(c, bad), 1);
    check_get(c, a->good->message_id, a->good_bytes, a->good->ciphertext_len);
    check_get(c, a->before->message_id, a->before_bytes, a->before->ciphertext_len);
    CHECK_EQ_INT(dnasync_cache_list(c, a->good->conversation_id, NULL, 0, 1, &arr, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(same_bytes(&arr[0], a->good_bytes, a->good->ciphertext_len));
    dnasync_cache_free_messages(arr, n);
    CHECK_EQ_INT(dnasync_cache_damaged_count(c), count);
    /* the reads left the damaged row exactly as it was stored, still pending */
    char *row_after = test_row_text(dnasync_cache_db(c), bad);
    CHECK_EQ_STR(row_after, row_before);
    free(row_before);
    free(row_after);
    check_stats_consistent(c);
    check_pending_invariant(c);
}

static void test_corrupt(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    seen_t seen = {0};
    CHECK(dnasync_cache_damaged_last(t.c, seen.id) == NULL && seen.id[0] == '\0');
    CHECK_EQ_INT(dnasync_cache_damaged_count(t.c), 0);
    dnasync_cache_set_damaged_callback(t.c, on_damaged, &seen);
    size_t len = 3000;
    uint8_t *text = chat_text(len, 9);
    message_info_t bad, good, before, after;
    uint8_t *text_b = chat_text(len, 12), *text_a = chat_text(len, 13);
    mk_bytes(&before, "alice", "bob", 999, text_b, len);
    mk_bytes(&bad, "alice", "bob", 1000, text, len);
    uint8_t *text2 = chat_text(len, 10);
    mk_bytes(&good, "carol", "bob", 1001, text2, len);
    mk_bytes(&after, "alice", "bob", 1002, text_a, len);
    good.synced_to_dht = true;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &before, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &bad, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &good, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &after, NULL), 0);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, good.message_id, &g), 0);
    memcpy(good.conversation_id, g.conversation_id, sizeof good.conversation_id);
    message_info_clear(&g);
    CHECK_EQ_INT(dnasync_cache_get(t.c, bad.message_id, &g), 0);
    char bad_conv[DNASYNC_ID_HEX_LEN + 1];
    memcpy(bad_conv, g.conversation_id, sizeof bad_conv);
    message_info_clear(&g);
    CHECK(strcmp(bad_conv, good.conversation_id) != 0);
    const around_t a = {&before, &after, &good, text_b, text_a, text2};

    stored_t s;
    stored_row(t.c, bad.message_id, &s);
    CHECK_EQ_INT(s.enc, 1);
    size_t zl = (size_t)s.len;
    uint8_t *buf = malloc(zl + 16);
    CHECK(buf);

    /* a flipped byte in the middle of the stream */
    memcpy(buf, s.blob, zl);
    buf[zl / 2] ^= 0x40;
    set_row(t.c, bad.message_id, buf, zl, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "corrupt");
    /* a flipped byte in the Adler-32 trailer */
    memcpy(buf, s.blob, zl);
    buf[zl - 1] ^= 1;
    set_row(t.c, bad.message_id, buf, zl, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "incorrect data check");
    /* truncated */
    set_row(t.c, bad.message_id, s.blob, zl - 5, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "truncated");
    /* recorded length one too small / one too large */
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)len - 1);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "more than the recorded");
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)len + 1);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "wrong original length");
    /* absurd, missing or too small recorded lengths: refused before any allocation */
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)1 << 40);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "claims 1099511627776");
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)DNASYNC_ENVELOPE_MAX_BYTES + 1);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "claims");
    set_row(t.c, bad.message_id, s.blob, zl, 1, -1);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "claims 0 original bytes");
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)zl);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "claims");
    /* bytes after the end of the stream */
    memcpy(buf, s.blob, zl);
    memcpy(buf + zl, "trailing", 8);
    set_row(t.c, bad.message_id, buf, zl + 8, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "after the end");
    /* not zlib at all (and an empty blob) */
    uint8_t *r = random_bytes(zl);
    set_row(t.c, bad.message_id, r, zl, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "corrupt");
    free(r);
    set_row(t.c, bad.message_id, NULL, 0, 1, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "compressed ciphertext of 0 bytes");
    /* an encoding this code does not know */
    set_row(t.c, bad.message_id, s.blob, zl, 7, (int64_t)len);
    check_damaged(t.c, bad.message_id, bad_conv, &a, &seen, "unknown ciphertext encoding 7");
    /* the reason names no id (the callback gets it apart), and a skip leaves no error behind */
    CHECK(strncmp(seen.reason, "cache:", 6) != 0 && !strstr(seen.reason, bad.message_id));

    /* writes that do not read the ciphertext still work on the damaged row */
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, bad.message_id, 1234), 0);
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, (const char *const[]){bad.message_id}, 1), 0);
    /* new inserts still compress and read back */
    message_info_t fresh;
    uint8_t *text3 = chat_text(800, 11);
    mk_bytes(&fresh, "erin", "bob", 1002, text3, 800);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &fresh, NULL), 0);
    check_get(t.c, fresh.message_id, text3, 800);
    /* the original stream put back: readable again, nothing else was changed by the errors */
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)len);
    check_get(t.c, bad.message_id, text, len);
    check_get(t.c, good.message_id, text2, len);
    int64_t count = dnasync_cache_damaged_count(t.c);
    check_listed(t.c, bad.message_id, text, len);
    CHECK_EQ_INT(dnasync_cache_damaged_count(t.c), count); /* readable: nothing skipped */
    /* no callback: skips are still counted */
    dnasync_cache_set_damaged_callback(t.c, NULL, &seen);
    set_row(t.c, bad.message_id, s.blob, zl - 1, 1, (int64_t)len);
    message_info_t *arr = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, NULL, 0, 1, &arr, &n), 0);
    CHECK_EQ_INT(n, 4);
    dnasync_cache_free_messages(arr, n);
    CHECK_EQ_INT(dnasync_cache_damaged_count(t.c), count + 1);
    CHECK_EQ_INT(seen.calls, count);
    set_row(t.c, bad.message_id, s.blob, zl, 1, (int64_t)len);
    check_stats_consistent(t.c);
    check_pending_invariant(t.c);

    free(buf);
    free(s.blob);
    message_info_clear(&fresh);
    message_info_clear(&bad);
    message_info_clear(&good);
    message_info_clear(&before);
    message_info_clear(&after);
    free(text);
    free(text2);
    free(text3);
    free(text_a);
    free(text_b);
    tcache_close(&t);
}

/* The messages columns of a version-4 database (migration 1's, as the spec writes them). */
static const char *const V4_COLUMNS =
    "id,message_id,conversation_id,sender,recipient,ciphertext,status,created_at,delivered_at,"
    "read_at,synced_to_dht,deleted,group_id,";

static void table_columns(sqlite3 *db, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA table_info(messages)", -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(out, (const char *)sqlite3_column_text(st, 1), cap - strlen(out) - 2);
        strcat(out, ",");
    }
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
}

/* A version-4 file with rows written the way version 4 wrote them (raw, no new columns) is
 * upgraded in place; every row reads back unchanged; new rows compress. */
static void test_upgrade_from_v4(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, "0123456789abcdef0123456789abcdef", 1),
                 0);
    sqlite3 *db = dnasync_cache_db(t.c);
    /* undo migrations 7, 6 and 5 on the still empty file: what versions 1..4 made */
    CHECK_EQ_INT(sqlite3_exec(db,
                              "DROP TABLE dht_refused;"
                              "ALTER TABLE dht_index DROP COLUMN author;"
                              "DROP TABLE summary_outbox;"
                              "ALTER TABLE messages DROP COLUMN ciphertext_len;"
                              "ALTER TABLE messages DROP COLUMN ciphertext_encoding;"
                              "PRAGMA user_version = 4;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    dnasync_cache_free(t.c);
    t.c = NULL;

    /* rows as the version-4 insert stored them */
    CHECK_EQ_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    char cols[512];
    table_columns(db, cols, sizeof cols);
    CHECK_EQ_STR(cols, V4_COLUMNS);
    enum { N = 4 };
    size_t lens[N] = {2000, 1890, 0, 30};
    uint8_t *data[N] = {chat_text(2000, 1), random_bytes(1890), NULL, chat_text(30, 2)};
    message_info_t m[N];
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db,
                                    "INSERT INTO messages (message_id, conversation_id, sender, "
                                    "recipient, ciphertext, status, created_at, delivered_at, "
                                    "read_at, synced_to_dht, deleted, group_id) VALUES (?1, ?2, "
                                    "'alice', 'bob', ?3, 'sent', ?4, NULL, NULL, ?5, 0, NULL)",
                                    -1, &st, NULL),
                 SQLITE_OK);
    const char *pair[2] = {"alice", "bob"};
    char conv[DNASYNC_ID_HEX_LEN + 1];
    CHECK_EQ_INT(dnasync_conversation_id(pair, 2, conv), 0);
    for (int i = 0; i < N; i++) {
        mk_bytes(&m[i], "alice", "bob", 100 + i, data[i], lens[i]);
        CHECK_EQ_INT(sqlite3_bind_text(st, 1, m[i].message_id, -1, SQLITE_TRANSIENT), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_bind_text(st, 2, conv, -1, SQLITE_TRANSIENT), SQLITE_OK);
        CHECK_EQ_INT(lens[i] ? sqlite3_bind_blob(st, 3, data[i], (int)lens[i], SQLITE_TRANSIENT)
                             : sqlite3_bind_zeroblob(st, 3, 0),
                     SQLITE_OK);
        CHECK_EQ_INT(sqlite3_bind_int64(st, 4, 100 + i), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_bind_int64(st, 5, i % 2), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
        CHECK_EQ_INT(sqlite3_reset(st), SQLITE_OK);
    }
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);

    int rc = dnasync_cache_open(t.path, &t.c);
    if (rc)
        fprintf(stderr, "open: %s\n", dnasync_last_error());
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(dnasync_cache_user_version(t.c), DNASYNC_CACHE_SCHEMA_VERSION);
    table_columns(dnasync_cache_db(t.c), cols, sizeof cols);
    char want[600];
    snprintf(want, sizeof want, "%sciphertext_encoding,ciphertext_len,", V4_COLUMNS);
    CHECK_EQ_STR(cols, want);
    for (int i = 0; i < N; i++) {
        stored_t s;
        stored_row(t.c, m[i].message_id, &s);
        CHECK_EQ_INT(s.enc, 0); /* existing rows are not rewritten */
        CHECK_EQ_INT(s.orig_len, -1);
        CHECK_EQ_INT(s.len, lens[i]);
        free(s.blob);
        check_get(t.c, m[i].message_id, data[i], lens[i]);
        check_listed(t.c, m[i].message_id, data[i], lens[i]);
    }
    int64_t rows, comp, raw, stored;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK(rows == N && comp == 0 && raw == 3920 && stored == 3920);
    check_pending_invariant(t.c);
    /* a new row compresses */
    message_info_t n;
    uint8_t *tx = chat_text(2000, 5);
    mk_bytes(&n, "alice", "bob", 200, tx, 2000);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &n, NULL), 0);
    stored_t s;
    stored_row(t.c, n.message_id, &s);
    CHECK_EQ_INT(s.enc, 1);
    free(s.blob);
    check_get(t.c, n.message_id, tx, 2000);
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK(rows == N + 1 && comp == 1 && raw == 5920 && stored < 5920);
    check_stats_consistent(t.c);
    message_info_clear(&n);
    free(tx);
    for (int i = 0; i < N; i++) {
        message_info_clear(&m[i]);
        free(data[i]);
    }
    tcache_close(&t);
}

/* The counters, exactly, on a known set (soft-deleted rows included); NULL outputs allowed. */
static void test_stats(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    int64_t rows = -1, comp = -1, raw = -1, stored = -1;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK(rows == 0 && comp == 0 && raw == 0 && stored == 0);
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, NULL, NULL, NULL, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_compression_stats(NULL, &rows, NULL, NULL, NULL), DNASYNC_EINVAL);

    uint8_t *a = chat_text(4000, 1), *b = random_bytes(1890), *c = chat_text(10, 2);
    message_info_t ma, mb, mc;
    mk_bytes(&ma, "alice", "bob", 1, a, 4000);
    mk_bytes(&mb, "alice", "bob", 2, b, 1890);
    mk_bytes(&mc, "alice", "bob", 3, c, 10);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &ma, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &mb, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &mc, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, mb.message_id, 50, 0, NULL), 0);
    stored_t s;
    stored_row(t.c, ma.message_id, &s);
    CHECK_EQ_INT(s.enc, 1);
    free(s.blob);
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK_EQ_INT(rows, 3);
    CHECK_EQ_INT(comp, 1);
    CHECK_EQ_INT(raw, 4000 + 1890 + 10);
    CHECK_EQ_INT(stored, s.len + 1890 + 10);
    int64_t only = -1;
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, NULL, NULL, NULL, &only), 0);
    CHECK_EQ_INT(only, stored);
    /* prune takes rows out of the counts */
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, (const char *const[]){ma.message_id}, 1), 0);
    size_t pruned = 0;
    CHECK_EQ_INT(dnasync_cache_prune(t.c, 2, &pruned), 0);
    CHECK_EQ_INT(pruned, 1);
    CHECK_EQ_INT(dnasync_cache_compression_stats(t.c, &rows, &comp, &raw, &stored), 0);
    CHECK(rows == 2 && comp == 0 && raw == 1900 && stored == 1900);
    message_info_clear(&ma);
    message_info_clear(&mb);
    message_info_clear(&mc);
    free(a);
    free(b);
    free(c);
    tcache_close(&t);
}

/* The entropy check alone: random bytes are (practically) never candidates, text-like bytes
 * always are, whatever the size within the bounds, and the sample sees the whole payload. */
static void test_entropy_check(void)
{
    /* 512-byte samples or more: random bytes are never candidates */
    for (size_t n = 512; n <= DNASYNC_ENVELOPE_MAX_BYTES; n += 311) {
        uint8_t *r = random_bytes(n);
        CHECK_EQ_INT(cache_ct_candidate(r, n), 0);
        free(r);
    }
    /* short random payloads: rarely (0.06% at 64 bytes, simulated); this bound is not flaky */
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
        size_t n = CACHE_COMPRESS_MIN + (size_t)i % 64;
        uint8_t *r = random_bytes(n);
        hits += cache_ct_candidate(r, n);
        free(r);
    }
    CHECK(hits <= 12);
    /* text-like bytes: chat text, hex, base64, UTF-8 Cyrillic, a single repeated byte */
    static const char hexd[] = "0123456789abcdef";
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *cyr = "Привет, как дела? Встречаемся завтра у метро в семь. ";
    for (size_t n = CACHE_COMPRESS_MIN; n <= DNASYNC_ENVELOPE_MAX_BYTES; n = n * 3 / 2 + 7) {
        uint8_t *tx = chat_text(n, (unsigned)n);
        CHECK_EQ_INT(cache_ct_candidate(tx, n), 1);
        uint8_t *r = random_bytes(n);
        for (size_t i = 0; i < n; i++)
            tx[i] = (uint8_t)hexd[r[i] & 15];
        CHECK_EQ_INT(cache_ct_candidate(tx, n), 1);
        for (size_t i = 0; i < n; i++)
            tx[i] = (uint8_t)b64[r[i] & 63];
        if (n >= 256) /* shorter base64 samples are too noisy to insist */
            CHECK_EQ_INT(cache_ct_candidate(tx, n), 1);
        for (size_t i = 0; i < n; i++)
            tx[i] = (uint8_t)cyr[i % strlen(cyr)];
        CHECK_EQ_INT(cache_ct_candidate(tx, n), 1);
        memset(tx, 0, n);
        CHECK_EQ_INT(cache_ct_candidate(tx, n), 1);
        free(r);
        free(tx);
    }
    /* out of bounds: never */
    uint8_t *z = calloc(1, DNASYNC_ENVELOPE_MAX_BYTES + 1);
    CHECK(z);
    CHECK_EQ_INT(cache_ct_candidate(z, CACHE_COMPRESS_MIN - 1), 0);
    CHECK_EQ_INT(cache_ct_candidate(z, DNASYNC_ENVELOPE_MAX_BYTES + 1), 0);
    CHECK_EQ_INT(cache_ct_candidate(NULL, 100), 0);
    free(z);
    /* random head, zero tail (and the reverse): the spread sample sees the compressible part */
    for (int rev = 0; rev < 2; rev++) {
        size_t n = 20000;
        uint8_t *p = random_bytes(n);
        memset(rev ? p : p + n / 2, 0, n / 2);
        CHECK_EQ_INT(cache_ct_candidate(p, n), 1);
        free(p);
    }
}

int main(void)
{
    RUN(test_entropy_check);
    RUN(test_text_compressed);
    RUN(test_random_and_envelope_raw);
    RUN(test_sizes);
    RUN(test_batch);
    RUN(test_corrupt);
    RUN(test_upgrade_from_v4);
    RUN(test_stats);
    return 0;
}
