/* Cache ceiling: N downloaded messages (1,890-byte envelopes, as a 1 KiB body sealed to one key)
 * inserted into a fresh cache file in one transaction, three ways, interleaved over R rounds:
 *   dnasync  dnasync_cache_insert per row inside dnasync_cache_begin/commit (the engine's shard
 *            transaction)
 *   engine   the same plus dnasync_cache_index_add per row (what the download does per value)
 *   plain    the same INSERT into the same schema (migrations applied by dnasync_cache_open),
 *            one prepared statement, one transaction: the SQLite ceiling
 * Then, once: 1,000 real envelopes (chat texts of 20..1,000 bytes sealed to two ML-KEM-512 keys,
 * as the engine seals a message to the recipient and the sender) inserted into a fresh cache,
 * and what the cache's conditional zlib compression made of them (cache_real_* lines).
 * usage: bench_cache DIR N R */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "cache/cache_int.h" /* cache_ct_candidate: how many envelopes the check lets through */

#include "cache/cache.h"
#include "crypto/envelope.h"
#include "crypto/ids.h"
#include "crypto/mlkem.h"
#include "dht/dht_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char hexd[] = "0123456789abcdef";

static message_info_t *make_rows(size_t n)
{
    message_info_t *m = calloc(n, sizeof *m);
    size_t len = DNASYNC_ENVELOPE_SIZE(1, BENCH_BODY);
    if (!m)
        bench_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        uint8_t rnd[32];
        dnasync_env_random(NULL, rnd, sizeof rnd);
        for (int j = 0; j < 32; j++) {
            m[i].message_id[2 * j] = hexd[rnd[j] >> 4];
            m[i].message_id[2 * j + 1] = hexd[rnd[j] & 15];
        }
        m[i].sender = strdup("alice");
        m[i].recipient = strdup("alice");
        m[i].ciphertext = malloc(len);
        if (!m[i].ciphertext)
            bench_die("out of memory");
        dnasync_env_random(NULL, m[i].ciphertext, len);
        m[i].ciphertext_len = len;
        strcpy(m[i].status, "sent");
        m[i].created_at = 1700000000 + (int64_t)i;
        m[i].synced_to_dht = true;
    }
    return m;
}

static dnasync_cache_t *fresh(const char *dir, const char *tag, int round)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cache-%s-%d.db", dir, tag, round);
    unlink(path);
    dnasync_cache_t *c = NULL;
    if (dnasync_cache_open(path, &c) != 0)
        bench_die("cache: %s", dnasync_last_error());
    dnasync_cache_set_self(c, "alice");
    return c;
}

static double run_dnasync(const char *dir, int round, const message_info_t *m, size_t n,
                          int with_index)
{
    dnasync_cache_t *c = fresh(dir, with_index ? "engine" : "dnasync", round);
    double t0 = bench_mono();
    if (dnasync_cache_begin(c) != 0)
        bench_die("begin");
    for (size_t i = 0; i < n; i++) {
        int ins = 0;
        if (dnasync_cache_insert(c, &m[i], &ins) != 0 || !ins)
            bench_die("insert: %s", dnasync_cache_errmsg(c));
        if (with_index && dnasync_cache_index_add(c, "alice", 19700, (unsigned)(i % 128),
                                                  dht_message_value_id(m[i].message_id),
                                                  m[i].message_id, DNASYNC_INDEX_MESSAGE, 0) != 0)
            bench_die("index: %s", dnasync_cache_errmsg(c));
    }
    if (dnasync_cache_commit(c) != 0)
        bench_die("commit: %s", dnasync_cache_errmsg(c));
    double t = bench_mono() - t0;
    dnasync_cache_free(c);
    return t;
}

static double run_plain(const char *dir, int round, const message_info_t *m, size_t n)
{
    dnasync_cache_t *c = fresh(dir, "plain", round);
    sqlite3 *db = dnasync_cache_db(c);
    char conv[DNASYNC_ID_HEX_LEN + 1];
    const char *pair[2] = {"alice", "alice"};
    if (dnasync_conversation_id(pair, 2, conv) != 0)
        bench_die("conversation id");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO messages (message_id, conversation_id, sender, recipient, "
                           "ciphertext, status, created_at, delivered_at, read_at, synced_to_dht, "
                           "deleted, group_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, "
                           "?8, 0, NULL)",
                           -1, &st, NULL) != SQLITE_OK)
        bench_die("prepare: %s", sqlite3_errmsg(db));
    double t0 = bench_mono();
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, m[i].message_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, conv, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m[i].sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, m[i].recipient, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, m[i].ciphertext, (int)m[i].ciphertext_len, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, m[i].status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, m[i].created_at);
        sqlite3_bind_int64(st, 8, 1);
        if (sqlite3_step(st) != SQLITE_DONE)
            bench_die("step: %s", sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        bench_die("commit: %s", sqlite3_errmsg(db));
    double t = bench_mono() - t0;
    sqlite3_finalize(st);
    dnasync_cache_free(c);
    return t;
}

/* A chat message body of len bytes: words of everyday chat, picked by a fixed LCG (the same
 * texts every run). */
static void chat_body(char *out, size_t len, uint32_t *x)
{
    static const char *const words[] = {
        "ok",       "yes",      "no",     "I",        "you",      "we",       "the",      "a",
        "to",       "and",      "is",     "it",       "that",     "for",      "on",       "at",
        "be",       "have",     "do",     "see",      "will",     "can",      "just",     "so",
        "what",     "when",     "where",  "today",    "tomorrow", "tonight",  "later",    "now",
        "meeting",  "lunch",    "dinner", "coffee",   "train",    "station",  "office",   "home",
        "thanks!",  "sorry",    "great",  "sounds",   "good",     "maybe",    "running",  "late",
        "minutes",  "call",     "me",     "back",     "sent",     "the",      "photos",   "from",
        "weekend",  "did",      "get",    "my",       "message?", "haha",     "love",     "it",
        "let's",    "meet",     "after",  "work",     "I'll",     "bring",    "kids",     "school",
        "project",  "deadline", "friday", "monday",   "review",   "the",      "document", "please",
        "address:", "12",       "Rue",    "Lepic",    "7pm",      "15:30",    "ticket",   "booked",
        "weather",  "rain",     "again",  "umbrella", "happy",    "birthday", ":)",       "!!"};
    size_t n = 0;
    while (n < len) {
        *x = *x * 1103515245u + 12345u;
        const char *w = words[(*x >> 16) % (sizeof words / sizeof words[0])];
        for (size_t i = 0; w[i] && n < len; i++)
            out[n++] = w[i];
        if (n < len) {
            *x = *x * 1103515245u + 12345u;
            out[n++] = (*x >> 16) % 12 == 0 ? '.' : ' ';
        }
    }
}

static void run_real_envelopes(const char *dir, size_t n)
{
    static uint8_t ek_a[MLKEM512_EK_BYTES], dk_a[MLKEM512_DK_BYTES], ek_b[MLKEM512_EK_BYTES],
        dk_b[MLKEM512_DK_BYTES];
    if (mlkem512_keygen(ek_a, dk_a, NULL) != 0 || mlkem512_keygen(ek_b, dk_b, NULL) != 0)
        bench_die("keygen");
    const uint8_t *eks[2] = {ek_b, ek_a}; /* the recipient's key, then the sender's own */
    dnasync_cache_t *c = fresh(dir, "real", 0);
    uint32_t x = 20240601u;
    uint64_t body_bytes = 0, body_zlib_bytes = 0, candidates = 0, zlib_smaller = 0,
             zlib_all_bytes = 0;
    char body[1001];
    uint8_t zbody[1100];
    uint8_t *zenv = malloc(compressBound(DNASYNC_ENVELOPE_SIZE(2, 1000)));
    if (!zenv)
        bench_die("out of memory");
    if (dnasync_cache_begin(c) != 0)
        bench_die("begin");
    for (size_t i = 0; i < n; i++) {
        /* 20..1,000 bytes, log-uniform (20 * 1.05^k, k = 0..80): most chat messages are short */
        x = x * 1103515245u + 12345u;
        double l = 20.0;
        for (unsigned k = (x >> 16) % 81; k > 0; k--)
            l *= 1.05;
        size_t len = l > 1000.0 ? 1000 : (size_t)l;
        chat_body(body, len, &x);
        body_bytes += len;
        uLongf zl = sizeof zbody;
        if (compress2(zbody, &zl, (const Bytef *)body, (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK)
            bench_die("compress2");
        body_zlib_bytes += zl < len ? zl : len;
        message_info_t m;
        memset(&m, 0, sizeof m);
        m.created_at = 1700000000 + (int64_t)i;
        if (dnasync_envelope_seal(eks, 2, NULL, 0, (const uint8_t *)body, len, NULL, &m.ciphertext,
                                  &m.ciphertext_len) != 0)
            bench_die("seal");
        /* outside the cache: would its check try, and would zlib shrink it if tried anyway? */
        candidates += (uint64_t)cache_ct_candidate(m.ciphertext, m.ciphertext_len);
        uLongf ezl = compressBound((uLong)m.ciphertext_len);
        if (compress2(zenv, &ezl, m.ciphertext, (uLong)m.ciphertext_len, Z_DEFAULT_COMPRESSION) !=
            Z_OK)
            bench_die("compress2");
        zlib_smaller += ezl < m.ciphertext_len;
        zlib_all_bytes += ezl;
        m.sender = strdup("alice");
        m.recipient = strdup("bob");
        strcpy(m.status, "sent");
        if (dnasync_message_id("alice", "bob", (uint64_t)m.created_at, m.ciphertext,
                               m.ciphertext_len, m.message_id) != 0)
            bench_die("message id");
        int ins = 0;
        if (dnasync_cache_insert(c, &m, &ins) != 0 || !ins)
            bench_die("insert: %s", dnasync_cache_errmsg(c));
        message_info_clear(&m);
    }
    free(zenv);
    if (dnasync_cache_commit(c) != 0)
        bench_die("commit: %s", dnasync_cache_errmsg(c));
    int64_t rows = 0, comp = 0, raw = 0, stored = 0;
    if (dnasync_cache_compression_stats(c, &rows, &comp, &raw, &stored) != 0)
        bench_die("stats: %s", dnasync_cache_errmsg(c));
    dnasync_cache_free(c);
    /* exact figures (RESULT lines carry 6 significant digits) */
    printf("REAL %lld envelopes: %lld stored compressed; %lld bytes stored for %lld bytes of "
           "envelopes; %llu passed the entropy check; zlib -6 would shrink %llu (all of them "
           "through zlib: %llu bytes); bodies %llu bytes, zlib per body %llu\n",
           (long long)rows, (long long)comp, (long long)stored, (long long)raw,
           (unsigned long long)candidates, (unsigned long long)zlib_smaller,
           (unsigned long long)zlib_all_bytes, (unsigned long long)body_bytes,
           (unsigned long long)body_zlib_bytes);
    bench_result("cache_real_envelopes", (double)rows);
    bench_result("cache_real_compressed_rows", (double)comp);
    bench_result("cache_real_raw_bytes", (double)raw);
    bench_result("cache_real_stored_bytes", (double)stored);
    bench_result("cache_real_stored_over_raw", raw ? (double)stored / (double)raw : 0);
    bench_result("cache_real_check_candidates", (double)candidates);
    bench_result("cache_real_zlib_would_shrink", (double)zlib_smaller);
    bench_result("cache_real_zlib_all_over_raw", raw ? (double)zlib_all_bytes / (double)raw : 0);
    /* for comparison only (not done: see docs/sync.md): zlib on each plaintext body */
    bench_result("cache_real_body_bytes", (double)body_bytes);
    bench_result("cache_real_body_zlib_over_raw",
                 body_bytes ? (double)body_zlib_bytes / (double)body_bytes : 0);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        bench_die("usage: bench_cache DIR N R");
    const char *dir = argv[1];
    size_t n = strtoul(argv[2], NULL, 10);
    int rounds = atoi(argv[3]);
    message_info_t *m = make_rows(n);
    for (int r = 0; r < rounds; r++) {
        double td = run_dnasync(dir, r, m, n, 0);
        double te = run_dnasync(dir, r, m, n, 1);
        double tp = run_plain(dir, r, m, n);
        bench_result("cache_dnasync_rows_per_s", (double)n / td);
        bench_result("cache_engine_rows_per_s", (double)n / te);
        bench_result("cache_plain_rows_per_s", (double)n / tp);
        bench_result("cache_dnasync_over_plain", tp / td);
        bench_result("cache_engine_over_plain", tp / te);
    }
    run_real_envelopes(dir, 1000);
    for (size_t i = 0; i < n; i++)
        message_info_clear(&m[i]);
    free(m);
    return 0;
}
