/* Cache ceiling: N downloaded messages (1,890-byte envelopes, as a 1 KiB body sealed to one key)
 * inserted into a fresh cache file in one transaction, three ways, interleaved over R rounds:
 *   dnasync  dnasync_cache_insert per row inside dnasync_cache_begin/commit (the engine's shard
 *            transaction)
 *   engine   the same plus dnasync_cache_index_add per row (what the download does per value)
 *   plain    the same INSERT into the same schema (migrations applied by dnasync_cache_open),
 *            one prepared statement, one transaction: the SQLite ceiling
 * usage: bench_cache DIR N R */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "dnasync/cache.h"
#include "dnasync/dht_codec.h"
#include "dnasync/envelope.h"
#include "dnasync/ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    char err[256];
    if (dnasync_cache_open_err(path, &c, err, sizeof err) != 0)
        bench_die("cache: %s", err);
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
    for (size_t i = 0; i < n; i++)
        message_info_clear(&m[i]);
    free(m);
    return 0;
}
