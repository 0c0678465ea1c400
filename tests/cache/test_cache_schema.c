/* Schema and migrations: the spec's four tables column by column, migration from an empty file,
 * re-open at the current version, refusal of a newer schema, pragmas, indexes, query plans. */
#define _POSIX_C_SOURCE 200809L
#include "cache_test_util.h"

#include <sys/stat.h>

/* The spec's definitions (../shared/spec/sync-protocol.md, "Schema"):
 * name, declared type, notnull, default (NULL = none), pk. The last two columns of messages,
 * ciphertext_encoding and ciphertext_len, are not the spec's: migration 5 adds them. */
typedef struct col {
    const char *name, *type;
    int notnull;
    const char *dflt;
    int pk;
} col_t;

static const col_t MESSAGES[] = {{"id", "INTEGER", 0, NULL, 1},
                                 {"message_id", "TEXT", 1, NULL, 0},
                                 {"conversation_id", "TEXT", 1, NULL, 0},
                                 {"sender", "TEXT", 1, NULL, 0},
                                 {"recipient", "TEXT", 1, NULL, 0},
                                 {"ciphertext", "BLOB", 1, NULL, 0},
                                 {"status", "TEXT", 0, "'sent'", 0},
                                 {"created_at", "INTEGER", 1, NULL, 0},
                                 {"delivered_at", "INTEGER", 0, NULL, 0},
                                 {"read_at", "INTEGER", 0, NULL, 0},
                                 {"synced_to_dht", "BOOLEAN", 0, "0", 0},
                                 {"deleted", "BOOLEAN", 0, "0", 0},
                                 {"group_id", "INTEGER", 0, NULL, 0},
                                 {"ciphertext_encoding", "INTEGER", 1, "0", 0},
                                 {"ciphertext_len", "INTEGER", 0, NULL, 0},
                                 {NULL, NULL, 0, NULL, 0}};
static const col_t CONVERSATIONS[] = {{"id", "TEXT", 0, NULL, 1},
                                      {"type", "TEXT", 1, NULL, 0},
                                      {"participants", "TEXT", 1, NULL, 0},
                                      {"last_message_at", "INTEGER", 0, NULL, 0},
                                      {"unread_count", "INTEGER", 0, "0", 0},
                                      {"last_sync_time", "INTEGER", 0, "0", 0},
                                      {NULL, NULL, 0, NULL, 0}};
static const col_t SYNC_STATE[] = {{"device_id", "TEXT", 0, NULL, 1},
                                   {"last_upload_time", "INTEGER", 0, NULL, 0},
                                   {"last_download_time", "INTEGER", 0, NULL, 0},
                                   {"pending_uploads", "INTEGER", 0, "0", 0},
                                   {"pending_downloads", "INTEGER", 0, "0", 0},
                                   {NULL, NULL, 0, NULL, 0}};
static const col_t TOMBSTONES[] = {{"message_id", "TEXT", 0, NULL, 1},
                                   {"deleted_at", "INTEGER", 1, NULL, 0},
                                   {"synced_to_dht", "BOOLEAN", 0, "0", 0},
                                   {NULL, NULL, 0, NULL, 0}};
static const col_t SYNC_META[] = {
    {"key", "TEXT", 0, NULL, 1}, {"value", "TEXT", 1, NULL, 0}, {NULL, NULL, 0, NULL, 0}};

static void check_table(sqlite3 *db, const char *table, const col_t *want)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st;
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        CHECK(want[i].name != NULL); /* no extra column */
        CHECK_EQ_STR((const char *)sqlite3_column_text(st, 1), want[i].name);
        CHECK_EQ_STR((const char *)sqlite3_column_text(st, 2), want[i].type);
        CHECK_EQ_INT(sqlite3_column_int(st, 3), want[i].notnull);
        const char *d = (const char *)sqlite3_column_text(st, 4);
        if (want[i].dflt)
            CHECK_EQ_STR(d, want[i].dflt);
        else
            CHECK(d == NULL);
        CHECK_EQ_INT(sqlite3_column_int(st, 5), want[i].pk);
        i++;
    }
    CHECK(want[i].name == NULL); /* no missing column */
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
}

static void check_schema(dnasync_cache_t *c)
{
    sqlite3 *db = dnasync_cache_db(c);
    CHECK_EQ_INT(sql_int(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                            "('messages','conversations','sync_state','tombstones','sync_meta')"),
                 5);
    check_table(db, "messages", MESSAGES);
    check_table(db, "conversations", CONVERSATIONS);
    check_table(db, "sync_state", SYNC_STATE);
    check_table(db, "tombstones", TOMBSTONES);
    check_table(db, "sync_meta", SYNC_META);
    /* UNIQUE(message_id) and AUTOINCREMENT as the spec writes them */
    CHECK_EQ_INT(sql_int(c, "SELECT count(*) FROM sqlite_master WHERE name = 'messages' AND sql "
                            "LIKE '%message_id TEXT UNIQUE NOT NULL%' AND sql LIKE "
                            "'%id INTEGER PRIMARY KEY AUTOINCREMENT%'"),
                 1);
    const char *idx[] = {"idx_messages_pending",      "idx_messages_recipient",
                         "idx_messages_conversation", "idx_messages_created",
                         "idx_conversations_last",    "idx_tombstones_pending",
                         "idx_tombstones_deleted_at"};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'", idx[i]);
        CHECK_EQ_INT(sql_int(c, sql), 1);
    }
    CHECK_EQ_INT(sql_int(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"), 4);
}

static void test_migrate_empty_file(void)
{
    tcache_t t;
    tcache_open(&t, NULL);
    CHECK_EQ_INT(dnasync_cache_user_version(t.c), DNASYNC_CACHE_SCHEMA_VERSION);
    CHECK_EQ_INT(DNASYNC_CACHE_SCHEMA_VERSION, 8);
    check_schema(t.c);
    sqlite3_stmt *st;
    CHECK_EQ_INT(sqlite3_prepare_v2(dnasync_cache_db(t.c), "PRAGMA journal_mode", -1, &st, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    CHECK_EQ_INT(sql_int(t.c, "PRAGMA synchronous"), 1); /* NORMAL */
    CHECK_EQ_INT(sql_int(t.c, "PRAGMA busy_timeout"), 5000);
    tcache_close(&t);
}

static void test_reopen_keeps_data(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t m;
    mk_msg(&m, "alice", "bob", 1000, "hi");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "k", "v"), 0);
    dnasync_cache_free(t.c);
    CHECK_EQ_INT(dnasync_cache_open(t.path, &t.c), 0); /* migrations are a no-op now */
    CHECK_EQ_INT(dnasync_cache_user_version(t.c), DNASYNC_CACHE_SCHEMA_VERSION);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m.message_id), 1);
    char *v = NULL;
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "k", &v), 0);
    CHECK_EQ_STR(v, "v");
    free(v);
    check_schema(t.c);
    message_info_clear(&m);
    tcache_close(&t);
}

/* A version-1 database (what migration 1 alone makes, with data) is upgraded in place. */
static void test_upgrade_from_v1(void)
{
    tcache_t t;
    tcache_open(&t, NULL);
    message_info_t m;
    mk_msg(&m, "alice", "bob", 1000, "hi");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, "dev", 5), 0);
    sqlite3 *db = dnasync_cache_db(t.c);
    /* undo migrations 8, 7, 6, 5, 4, 3 and 2 by hand and break the counter */
    CHECK_EQ_INT(sqlite3_exec(db,
                              "DROP TABLE bundle_members; DROP TABLE bundle_outbox;"
                              "DROP TABLE dht_refused;"
                              "DROP TABLE summary_outbox;"
                              "ALTER TABLE messages DROP COLUMN ciphertext_len;"
                              "ALTER TABLE messages DROP COLUMN ciphertext_encoding;"
                              "DROP TRIGGER trg_pending_insert; DROP TRIGGER trg_pending_delete;"
                              "DROP TRIGGER trg_pending_update; DROP TRIGGER trg_state_insert;"
                              "DROP TABLE sync_meta; DROP TABLE dht_index; DROP TABLE sync_days;"
                              "UPDATE sync_state SET pending_uploads = 42;"
                              "PRAGMA user_version = 1;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    dnasync_cache_free(t.c);
    CHECK_EQ_INT(dnasync_cache_open(t.path, &t.c), 0);
    CHECK_EQ_INT(dnasync_cache_user_version(t.c), DNASYNC_CACHE_SCHEMA_VERSION);
    check_schema(t.c);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m.message_id), 1);
    dnasync_sync_state_t s;
    CHECK_EQ_INT(dnasync_cache_state_get(t.c, "dev", &s), 0);
    CHECK_EQ_INT(s.pending_uploads, 1); /* recomputed by migration 3 */
    CHECK_EQ_INT(s.last_upload_time, 5);
    message_info_clear(&m);
    tcache_close(&t);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f);
    unsigned char *buf = malloc(1 << 20);
    CHECK(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_future_version_refused(void)
{
    char *dir = test_tmpdir("cache");
    char path[4200];
    snprintf(path, sizeof path, "%s/future.db", dir);
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "CREATE TABLE x(a); INSERT INTO x VALUES(1); "
                              "PRAGMA user_version = 99;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);
    size_t l1, l2;
    unsigned char *before = slurp(path, &l1);
    dnasync_cache_t *c = (dnasync_cache_t *)1;
    CHECK_EQ_INT(dnasync_cache_open(path, &c), DNASYNC_ECORRUPT);
    CHECK(c == NULL);
    CHECK(strstr(dnasync_last_error(), "schema version 99") != NULL);
    CHECK(strstr(dnasync_last_error(), path) != NULL);
    unsigned char *after = slurp(path, &l2);
    CHECK_EQ_INT(l1, l2);
    CHECK(memcmp(before, after, l1) == 0); /* not modified, still rollback-journal mode */
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat st;
    CHECK(stat(wal, &st) != 0);
    /* wrap refuses the same way and leaves the caller's connection open */
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(dnasync_cache_wrap(db, &c), DNASYNC_ECORRUPT);
    CHECK(strstr(dnasync_last_error(), "schema version 99") != NULL);
    CHECK_EQ_INT(sqlite3_exec(db, "SELECT * FROM x", NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);
    free(before);
    free(after);
    test_rmtree(dir);
    free(dir);
}

static void test_not_a_database(void)
{
    char *dir = test_tmpdir("cache");
    char path[4200];
    snprintf(path, sizeof path, "%s/junk.db", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not sqlite ", f);
    fclose(f);
    dnasync_cache_t *c;
    CHECK(dnasync_cache_open(path, &c) < 0);
    CHECK(c == NULL);
    CHECK(strstr(dnasync_last_error(), "not a database") != NULL);
    test_rmtree(dir);
    free(dir);
}

static void test_wrap(void)
{
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    dnasync_cache_t *c;
    CHECK_EQ_INT(dnasync_cache_wrap(db, &c), 0);
    CHECK(dnasync_cache_db(c) == db);
    CHECK_EQ_INT(dnasync_cache_user_version(c), DNASYNC_CACHE_SCHEMA_VERSION);
    check_schema(c);
    dnasync_cache_free(c);
    /* the connection is still ours and usable; wrapping again is a no-op migration */
    CHECK_EQ_INT(dnasync_cache_wrap(db, &c), 0);
    dnasync_cache_free(c);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK); /* SQLITE_BUSY here would mean leaked stmts */
}

static char plan_buf[2048];

static const char *plan(dnasync_cache_t *c, const char *sql)
{
    char q[1024];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;
    CHECK_EQ_INT(sqlite3_prepare_v2(dnasync_cache_db(c), q, -1, &st, NULL), SQLITE_OK);
    plan_buf[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(plan_buf, (const char *)sqlite3_column_text(st, 3),
                sizeof plan_buf - strlen(plan_buf) - 2);
        strcat(plan_buf, ";");
    }
    sqlite3_finalize(st);
    return plan_buf;
}

#define CHECK_PLAN(c, sql, idx, no_sort)                                                           \
    do {                                                                                           \
        const char *p_ = plan(c, sql);                                                             \
        if (!strstr(p_, idx) || ((no_sort) && strstr(p_, "TEMP B-TREE")))                          \
            fprintf(stderr, "plan of %s: %s\n", sql, p_);                                          \
        CHECK(strstr(p_, idx) != NULL);                                                            \
        if (no_sort)                                                                               \
            CHECK(strstr(p_, "TEMP B-TREE") == NULL);                                              \
    } while (0)

static void test_query_plans(void)
{
    tcache_t t;
    tcache_open(&t, NULL);
    CHECK_PLAN(t.c,
               "SELECT * FROM messages WHERE synced_to_dht = 0 AND id > 5 ORDER BY id LIMIT 100",
               "idx_messages_pending", 1);
    CHECK_PLAN(t.c,
               "SELECT * FROM messages WHERE conversation_id = 'x' AND (0 OR deleted = 0) ORDER BY "
               "created_at DESC, id DESC LIMIT 10",
               "idx_messages_conversation", 1);
    CHECK_PLAN(t.c,
               "SELECT * FROM messages WHERE recipient = 'x' AND (0 OR deleted = 0) ORDER BY "
               "created_at DESC, id DESC LIMIT 10",
               "idx_messages_recipient", 1);
    CHECK_PLAN(t.c,
               "SELECT message_id, deleted FROM messages WHERE created_at >= 1 AND created_at < 9 "
               "ORDER BY created_at",
               "idx_messages_created", 1);
    CHECK_PLAN(t.c, "DELETE FROM messages WHERE created_at < 5 AND synced_to_dht = 1",
               "idx_messages_created", 0);
    CHECK_PLAN(t.c, "SELECT * FROM conversations ORDER BY last_message_at DESC, id",
               "idx_conversations_last", 0);
    CHECK_PLAN(t.c, "SELECT message_id FROM tombstones WHERE synced_to_dht = 0 ORDER BY rowid",
               "idx_tombstones_pending", 1);
    CHECK_PLAN(t.c,
               "SELECT message_id FROM tombstones WHERE deleted_at >= 1 AND deleted_at < 5 ORDER "
               "BY deleted_at",
               "idx_tombstones_deleted_at", 1);
    tcache_close(&t);
}

int main(void)
{
    RUN(test_migrate_empty_file);
    RUN(test_reopen_keeps_data);
    RUN(test_upgrade_from_v1);
    RUN(test_future_version_refused);
    RUN(test_not_a_database);
    RUN(test_wrap);
    RUN(test_query_plans);
    return 0;
}
