/* The outbox of summaries (migration 6): marks, renewals with a higher seq, a clear that spares a
 * newer mark, bells kept byte for byte, atomic with the caller's transaction, and the upgrade of
 * a version-5 file whose pending summaries were sync_meta keys. */
#define _POSIX_C_SOURCE 200809L
#include "cache_test_util.h"

static void test_mark_list_clear(void)
{
    tcache_t t;
    tcache_open(&t, "alice");
    const uint8_t bell[3] = {1, 0, 2};
    CHECK_EQ_INT(dnasync_cache_outbox_mark(t.c, "bob", 20000, bell, 3, 1, UINT64_MAX, 77), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_mark(t.c, "alice", 20000, NULL, 0, 0, 0, 0), 0);
    dnasync_outbox_entry_t *e = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_outbox_list(t.c, &e, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(e[0].mailbox, "bob");
    CHECK_EQ_INT(e[0].day, 20000);
    CHECK(e[0].bell_len == 3 && memcmp(e[0].bell, bell, 3) == 0);
    CHECK(e[0].bell_kind == 1 && e[0].bell_vid == UINT64_MAX && e[0].bell_created == 77);
    CHECK(e[1].bell == NULL && e[1].bell_len == 0);
    int64_t old_seq = e[0].seq;
    /* a new mark of bob's day while the first is being published: the old clear spares it */
    CHECK_EQ_INT(dnasync_cache_outbox_mark(t.c, "bob", 20000, bell, 2, 1, 5, 78), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_clear(t.c, old_seq), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_clear(t.c, e[1].seq), 0);
    dnasync_cache_outbox_free(e, n);
    CHECK_EQ_INT(dnasync_cache_outbox_list(t.c, &e, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(e[0].seq > old_seq && e[0].bell_len == 2 && e[0].bell_vid == 5);
    CHECK_EQ_INT(dnasync_cache_outbox_clear(t.c, e[0].seq), 0);
    dnasync_cache_outbox_free(e, n);
    CHECK_EQ_INT(dnasync_cache_outbox_count(t.c, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(dnasync_cache_outbox_list(t.c, &e, &n), 0);
    CHECK(e == NULL && n == 0);
    CHECK(dnasync_cache_outbox_mark(t.c, "", 1, NULL, 0, 0, 0, 0) == DNASYNC_EINVAL);
    tcache_close(&t);
}

/* The mark rides in the caller's transaction: rolled back with it, committed with it. */
static void test_transaction(void)
{
    tcache_t t;
    tcache_open(&t, "alice");
    size_t n = 9;
    CHECK_EQ_INT(dnasync_cache_begin(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_mark(t.c, "bob", 1, NULL, 0, 0, 0, 0), 0);
    CHECK_EQ_INT(dnasync_cache_rollback(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_count(t.c, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(dnasync_cache_begin(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_mark(t.c, "bob", 1, NULL, 0, 0, 0, 0), 0);
    CHECK_EQ_INT(dnasync_cache_commit(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_outbox_count(t.c, &n), 0);
    CHECK_EQ_INT(n, 1);
    tcache_close(&t);
}

/* Version 5 remembered unsent summaries as sync_meta "summary_dirty:<day>:<mailbox>". */
static void test_upgrade_from_v5(void)
{
    tcache_t t;
    tcache_open(&t, "alice");
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(t.c),
                              "DROP TABLE dht_refused; ALTER TABLE dht_index DROP COLUMN author;"
                              "DROP TABLE summary_outbox; PRAGMA user_version = 5;"
                              "INSERT INTO sync_meta VALUES ('summary_dirty:20421:bob', '1');"
                              "INSERT INTO sync_meta VALUES ('summary_dirty:20422:a:b', '1');"
                              "INSERT INTO sync_meta VALUES ('summary_version:20421:bob', '9');",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    dnasync_cache_free(t.c);
    CHECK_EQ_INT(dnasync_cache_open(t.path, &t.c), 0);
    CHECK_EQ_INT(dnasync_cache_user_version(t.c), DNASYNC_CACHE_SCHEMA_VERSION);
    dnasync_outbox_entry_t *e = NULL;
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_outbox_list(t.c, &e, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(e[0].day + e[1].day == 20421 + 20422);
    CHECK(strcmp(e[0].mailbox, "bob") == 0 || strcmp(e[1].mailbox, "bob") == 0);
    CHECK(strcmp(e[0].mailbox, "a:b") == 0 || strcmp(e[1].mailbox, "a:b") == 0);
    dnasync_cache_outbox_free(e, n);
    char *v = NULL;
    CHECK(dnasync_cache_meta_get(t.c, "summary_dirty:20421:bob", &v) == DNASYNC_ENOTFOUND);
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "summary_version:20421:bob", &v), 0);
    CHECK_EQ_STR(v, "9");
    free(v);
    tcache_close(&t);
}

int main(void)
{
    RUN(test_mark_list_clear);
    RUN(test_transaction);
    RUN(test_upgrade_from_v5);
    return 0;
}
