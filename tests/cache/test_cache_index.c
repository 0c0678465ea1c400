#define _POSIX_C_SOURCE 200809L
/* The DHT index (migration 4): idempotent adds, lookups, per-shard summaries that leave out
 * rejected values, mine-only summaries, per-day state; counts and meta prefix iteration. */
#include "cache_test_util.h"

static void collect(void *user, const char *key, const char *value)
{
    char *buf = user;
    strcat(buf, key);
    strcat(buf, "=");
    strcat(buf, value);
    strcat(buf, ";");
}

static void test_index(void)
{
    tcache_t t;
    tcache_open(&t, "alice");
    dnasync_cache_t *c = t.c;
    const char *id = "0a00000000000000000000000000000000000000000000000000000000000000";
    CHECK_EQ_INT(dnasync_cache_index_has(c, "alice", 20000, 10, 0x1234), 0);
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20000, 10, 0x1234, id, 1, 0), 0);
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20000, 10, 0x1234, id, 1, 1), 0); /* again */
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20000, 10, 0xF000000000000001ull, id, 2, 0),
                 0);
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20000, 11, 0x99, "", 3, 0), 0); /* rejected */
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20001, 10, 0x5, id, 1, 1), 0);  /* other day */
    CHECK_EQ_INT(dnasync_cache_index_add(c, "bob", 20000, 10, 0x6, id, 1, 1), 0);    /* other box */
    CHECK_EQ_INT(dnasync_cache_index_has(c, "alice", 20000, 10, 0x1234), 1);
    CHECK_EQ_INT(dnasync_cache_index_has(c, "alice", 20000, 11, 0x99), 1);
    CHECK_EQ_INT(dnasync_cache_index_has(c, "alice", 20000, 11, 0x1234), 0);

    uint32_t count[DNASYNC_INDEX_SHARDS];
    uint64_t x[DNASYNC_INDEX_SHARDS];
    CHECK_EQ_INT(dnasync_cache_index_summary(c, "alice", 20000, 0, count, x), 0);
    CHECK_EQ_INT(count[10], 2);
    CHECK(x[10] == (0x1234 ^ 0xF000000000000001ull)); /* the high bit survives the int64 column */
    CHECK_EQ_INT(count[11], 0);                       /* rejected values are not counted */
    uint32_t total = 0;
    for (int i = 0; i < DNASYNC_INDEX_SHARDS; i++)
        total += count[i];
    CHECK_EQ_INT(total, 2);
    CHECK_EQ_INT(dnasync_cache_index_summary(c, "alice", 20000, 1, count, x), 0);
    CHECK_EQ_INT(count[10], 1); /* only 0x1234 is mine (sticky after the second add) */
    CHECK(x[10] == 0x1234);

    dnasync_cache_day_t d;
    CHECK_EQ_INT(dnasync_cache_day_get(c, "alice", 20000, &d), 0);
    CHECK(!d.verified && !d.closed && d.checked_at == 0);
    d.verified = 1;
    d.checked_at = 1728000000;
    CHECK_EQ_INT(dnasync_cache_day_set(c, "alice", 20000, &d), 0);
    d.closed = 1;
    CHECK_EQ_INT(dnasync_cache_day_set(c, "alice", 20000, &d), 0);
    dnasync_cache_day_t e;
    CHECK_EQ_INT(dnasync_cache_day_get(c, "alice", 20000, &e), 0);
    CHECK(e.verified && e.closed && e.checked_at == 1728000000);
    CHECK_EQ_INT(dnasync_cache_day_get(c, "bob", 20000, &e), 0);
    CHECK(!e.verified);
    tcache_close(&t);
}

typedef struct seen {
    int n, mine, signed_by_7;
    uint64_t x;
} seen_t;

static int on_row(void *user, unsigned shard, uint64_t vid, const uint8_t *author, int mine)
{
    seen_t *s = user;
    (void)shard;
    s->n++;
    s->mine += mine;
    s->signed_by_7 += author && author[0] == 7;
    s->x ^= vid;
    return 0;
}

/* Issue 10: held values carry their signer; refusals are kept by (id, content hash), so a
 * refused forgery never makes the genuine value of its id look held; migration 7 drops what
 * other writers put (fetched again) and re-opens every day. */
static void test_signed_and_refused(void)
{
    tcache_t t;
    tcache_open(&t, "alice");
    dnasync_cache_t *c = t.c;
    const char *id = "0a00000000000000000000000000000000000000000000000000000000000000";
    uint8_t author[32], h1[32], h2[32];
    memset(author, 7, sizeof author);
    memset(h1, 1, sizeof h1);
    memset(h2, 2, sizeof h2);
    CHECK_EQ_INT(dnasync_cache_refused_has(c, "alice", 20000, 10, 0x42, h1), 0);
    CHECK_EQ_INT(dnasync_cache_refused_add(c, "alice", 20000, 10, 0x42, h1), 0);
    CHECK_EQ_INT(dnasync_cache_refused_add(c, "alice", 20000, 10, 0x42, h1), 0); /* again */
    CHECK_EQ_INT(dnasync_cache_refused_has(c, "alice", 20000, 10, 0x42, h1), 1);
    CHECK_EQ_INT(dnasync_cache_refused_has(c, "alice", 20000, 10, 0x42, h2), 0);
    CHECK_EQ_INT(dnasync_cache_index_has(c, "alice", 20000, 10, 0x42), 0); /* not held */
    CHECK_EQ_INT(dnasync_cache_index_add_signed(c, "alice", 20000, 10, 0x42, id, 1, author), 0);
    CHECK_EQ_INT(dnasync_cache_index_add(c, "alice", 20000, 11, 0x43, id, 2, 1), 0);
    seen_t s = {0, 0, 0, 0};
    CHECK_EQ_INT(dnasync_cache_index_each(c, "alice", 20000, on_row, &s), 0);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.mine, 1);
    CHECK_EQ_INT(s.signed_by_7, 1);
    CHECK(s.x == (0x42 ^ 0x43));

    /* back to version 6 with a verified, closed day; then migration 7 runs again */
    dnasync_cache_day_t day = {1, 1, 5};
    CHECK_EQ_INT(dnasync_cache_day_set(c, "alice", 20000, &day), 0);
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(c),
                              "DROP TABLE dht_refused; ALTER TABLE dht_index DROP COLUMN author;"
                              "PRAGMA user_version = 6;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    dnasync_cache_free(t.c);
    CHECK_EQ_INT(dnasync_cache_open(t.path, &t.c), 0);
    c = t.c;
    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(dnasync_cache_index_each(c, "alice", 20000, on_row, &s), 0);
    CHECK_EQ_INT(s.n, 1); /* only what this device put */
    CHECK_EQ_INT(s.mine, 1);
    CHECK_EQ_INT(dnasync_cache_day_get(c, "alice", 20000, &day), 0);
    CHECK(!day.verified && !day.closed);
    CHECK_EQ_INT(dnasync_cache_refused_has(c, "alice", 20000, 10, 0x42, h1), 0);
    tcache_close(&t);
}

static void test_counts_and_meta(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t m1, m2;
    mk_msg(&m1, "alice", "bob", 1000, "one");
    mk_msg(&m2, "carol", "bob", 1001, "two");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m1, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m2, NULL), 0);
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_message_count(t.c, &n), 0);
    CHECK_EQ_INT(n, 2);
    const char *parts[2] = {"alice", "bob"};
    char conv[DNASYNC_ID_HEX_LEN + 1];
    CHECK_EQ_INT(dnasync_conversation_id(parts, 2, conv), 0);
    CHECK_EQ_INT(dnasync_cache_count_conversation(t.c, conv, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(dnasync_cache_count_conversation(t.c, NULL, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "dirty:2", "b"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "dirty:1", "a"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "dirtz", "no"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "dirt", "no"), 0);
    char buf[256] = "";
    CHECK_EQ_INT(dnasync_cache_meta_each(t.c, "dirty:", collect, buf), 0);
    CHECK_EQ_STR(buf, "dirty:1=a;dirty:2=b;");
    message_info_clear(&m1);
    message_info_clear(&m2);
    tcache_close(&t);
}

int main(void)
{
    RUN(test_index);
    RUN(test_counts_and_meta);
    RUN(test_signed_and_refused);
    return 0;
}
