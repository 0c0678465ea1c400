/* Messages: idempotent insert, conversations + JSON participants, unread counting, pending
 * batches, the pending_uploads invariant, batch atomicity, inbox order, read/delivered, prune,
 * ranges, sync state, meta and caller transactions. */
#define _POSIX_C_SOURCE 200809L
#include "cache_test_util.h"

static const char *DEV = "0123456789abcdef0123456789abcdef";

static void test_insert_duplicate(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, DEV, 1), 0);
    message_info_t m;
    mk_msg(&m, "alice", "bob", 1000, "hello");
    int ins = -1;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &m, &ins), 0);
    CHECK_EQ_INT(ins, 1);
    check_pending_invariant(t.c);
    /* same id, different content: one row, stored row unchanged */
    message_info_t d;
    CHECK_EQ_INT(message_info_copy(&d, &m), 0);
    d.ciphertext[0] = 'X';
    d.created_at = 5;
    d.synced_to_dht = true;
    snprintf(d.status, sizeof d.status, "read");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &d, &ins), 0);
    CHECK_EQ_INT(ins, 0);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM messages"), 1);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, m.message_id, &g), 0);
    CHECK(g.ciphertext_len == 5 && memcmp(g.ciphertext, "hello", 5) == 0);
    CHECK_EQ_INT(g.created_at, 1000);
    CHECK(!g.synced_to_dht && !g.deleted);
    CHECK_EQ_STR(g.status, "sent");
    CHECK_EQ_STR(g.sender, "alice");
    CHECK_EQ_STR(g.recipient, "bob");
    CHECK_EQ_INT(g.delivered_at, 0);
    CHECK_EQ_INT(g.group_id, 0);
    message_info_clear(&g);
    /* the conversation counted it once */
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM conversations"), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations"), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations"), 1000);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m.message_id), 1);
    CHECK_EQ_INT(dnasync_cache_has(t.c, "00"), 0);
    CHECK_EQ_INT(dnasync_cache_get(t.c, "ab", &g), DNASYNC_ENOTFOUND);
    CHECK(strstr(dnasync_cache_errmsg(t.c), "no message") != NULL);
    check_pending_invariant(t.c);
    message_info_clear(&d);
    message_info_clear(&m);
    tcache_close(&t);
}

static void test_insert_validation(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t m;
    mk_msg(&m, "alice", "bob", 1000, "hello");
    message_info_t bad = m;
    snprintf(bad.message_id, sizeof bad.message_id, "ABC");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &bad, NULL), DNASYNC_EINVAL);
    CHECK(strstr(dnasync_cache_errmsg(t.c), "64 lowercase hex") != NULL);
    bad = m;
    bad.sender = NULL;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &bad, NULL), DNASYNC_EINVAL);
    bad = m;
    snprintf(bad.status, sizeof bad.status, "weird");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &bad, NULL), DNASYNC_EINVAL);
    bad = m; /* empty ciphertext is stored as an empty blob */
    bad.ciphertext = NULL;
    bad.ciphertext_len = 0;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &bad, NULL), 0);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, m.message_id, &g), 0);
    CHECK_EQ_INT(g.ciphertext_len, 0);
    message_info_clear(&g);
    message_info_clear(&m);
    tcache_close(&t);
}

static void test_conversations_and_unread(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t a, b, c, self, q;
    mk_msg(&a, "alice", "bob", 100, "1");   /* incoming: unread */
    mk_msg(&b, "bob", "alice", 200, "2");   /* outgoing */
    mk_msg(&c, "alice", "bob", 150, "3");   /* incoming, older */
    mk_msg(&self, "bob", "bob", 50, "4");   /* note to self: not unread */
    mk_msg(&q, "a\"b\\c", "bob", 300, "5"); /* quote and backslash in a name */
    int ins;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &a, &ins), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &b, &ins), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &c, &ins), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &self, &ins), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &q, &ins), 0);

    const char *ab[] = {"alice", "bob"}, *bb[] = {"bob"}, *qb[] = {"a\"b\\c", "bob"};
    char cab[65], cbb[65], cqb[65];
    CHECK_EQ_INT(dnasync_conversation_id(ab, 2, cab), 0);
    CHECK_EQ_INT(dnasync_conversation_id(bb, 1, cbb), 0);
    CHECK_EQ_INT(dnasync_conversation_id(qb, 2, cqb), 0);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, a.message_id, &g), 0);
    CHECK_EQ_STR(g.conversation_id, cab);
    message_info_clear(&g);

    dnasync_conversation_t *cv;
    size_t n;
    CHECK_EQ_INT(dnasync_cache_conversations(t.c, &cv, &n), 0);
    CHECK_EQ_INT(n, 3);
    /* last_message_at DESC: quote (300), alice/bob (200), self (50) */
    CHECK_EQ_STR(cv[0].id, cqb);
    CHECK_EQ_STR(cv[0].participants, "[\"a\\\"b\\\\c\",\"bob\"]");
    CHECK_EQ_INT(cv[0].unread_count, 1);
    CHECK_EQ_STR(cv[1].id, cab);
    CHECK_EQ_STR(cv[1].type, "direct");
    CHECK_EQ_STR(cv[1].participants, "[\"alice\",\"bob\"]");
    CHECK_EQ_INT(cv[1].last_message_at, 200);
    CHECK_EQ_INT(cv[1].unread_count, 2);
    CHECK_EQ_INT(cv[1].last_sync_time, 0);
    CHECK_EQ_STR(cv[2].id, cbb);
    CHECK_EQ_STR(cv[2].participants, "[\"bob\"]");
    CHECK_EQ_STR(cv[2].type, "direct");
    CHECK_EQ_INT(cv[2].unread_count, 0);
    dnasync_cache_free_conversations(cv, n);
    /* JSON is valid per SQLite's parser */
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM conversations WHERE json_valid(participants) "
                              "AND json_array_length(participants) >= 1"),
                 3);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM conversations, json_each(participants) "
                              "WHERE json_each.value = 'a\"b\\c'"),
                 1);

    /* mark_read: once, never below 0; outgoing does not count */
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, a.message_id, 500), 0);
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, a.message_id, 600), 0);
    dnasync_conversation_t one;
    CHECK_EQ_INT(dnasync_cache_conversation_get(t.c, cab, &one), 0);
    CHECK_EQ_INT(one.unread_count, 1);
    free(one.participants);
    CHECK_EQ_INT(dnasync_cache_get(t.c, a.message_id, &g), 0);
    CHECK_EQ_STR(g.status, "read");
    CHECK_EQ_INT(g.read_at, 500);
    message_info_clear(&g);
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, b.message_id, 500), 0); /* outgoing */
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, c.message_id, 500), 0);
    CHECK_EQ_INT(dnasync_cache_conversation_get(t.c, cab, &one), 0);
    CHECK_EQ_INT(one.unread_count, 0);
    free(one.participants);
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, "ff", 1), DNASYNC_ENOTFOUND);

    /* delivered: status unless already read, delivered_at set once */
    CHECK_EQ_INT(dnasync_cache_mark_delivered(t.c, b.message_id, 700), 0);
    CHECK_EQ_INT(dnasync_cache_mark_delivered(t.c, b.message_id, 800), 0);
    CHECK_EQ_INT(dnasync_cache_get(t.c, b.message_id, &g), 0);
    CHECK_EQ_STR(g.status, "read"); /* it was marked read above */
    CHECK_EQ_INT(g.delivered_at, 700);
    message_info_clear(&g);
    CHECK_EQ_INT(dnasync_cache_mark_delivered(t.c, q.message_id, 900), 0);
    CHECK_EQ_INT(dnasync_cache_get(t.c, q.message_id, &g), 0);
    CHECK_EQ_STR(g.status, "delivered");
    message_info_clear(&g);
    CHECK_EQ_INT(dnasync_cache_mark_delivered(t.c, "ff", 1), DNASYNC_ENOTFOUND);

    /* set_last_sync */
    CHECK_EQ_INT(dnasync_cache_conversation_set_last_sync(t.c, cab, 1234), 0);
    CHECK_EQ_INT(dnasync_cache_conversation_get(t.c, cab, &one), 0);
    CHECK_EQ_INT(one.last_sync_time, 1234);
    free(one.participants);
    CHECK_EQ_INT(dnasync_cache_conversation_set_last_sync(t.c, "nope", 1), DNASYNC_ENOTFOUND);

    /* explicit conversation id and group type */
    message_info_t gm;
    mk_msg(&gm, "carol", "bob", 400, "g");
    memset(gm.conversation_id, 'e', 64);
    gm.group_id = 7;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &gm, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_conversation_get(t.c, gm.conversation_id, &one), 0);
    CHECK_EQ_STR(one.type, "group");
    free(one.participants);

    message_info_clear(&gm);
    message_info_clear(&a);
    message_info_clear(&b);
    message_info_clear(&c);
    message_info_clear(&self);
    message_info_clear(&q);
    tcache_close(&t);
}

static void test_unread_without_self(void)
{
    tcache_t t;
    tcache_open(&t, NULL); /* no self: nothing is unread */
    message_info_t a;
    mk_msg(&a, "alice", "bob", 100, "1");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &a, NULL), 0);
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations"), 0);
    message_info_clear(&a);
    tcache_close(&t);
}

static void test_pending_batches(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_download_time(t.c, DEV, 9), 0);
    enum { N = 250 };
    message_info_t *msgs = calloc(N, sizeof *msgs);
    CHECK(msgs);
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "m%d", i);
        mk_msg(&msgs[i], i % 2 ? "alice" : "bob", i % 2 ? "bob" : "alice", 1000 + i, text);
        msgs[i].synced_to_dht = (i % 10 == 9); /* 25 already synced */
    }
    size_t ins = 0;
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, msgs, N, &ins), 0);
    CHECK_EQ_INT(ins, N);
    check_pending_invariant(t.c);
    size_t pc;
    CHECK_EQ_INT(dnasync_cache_pending_count(t.c, &pc), 0);
    CHECK_EQ_INT(pc, 225);

    /* batches of 100: 225 pending → 100, 100, 25, then empty */
    char *seen = calloc(N, 1);
    CHECK(seen);
    int64_t after = 0;
    size_t batches = 0, total = 0;
    for (int guard = 0; guard < 10; guard++) {
        message_info_t *out;
        size_t cnt;
        int64_t last = after;
        CHECK_EQ_INT(dnasync_cache_pending(t.c, after, 100, &out, &last, &cnt), 0);
        if (cnt == 0) {
            CHECK(out == NULL);
            CHECK_EQ_INT(last, after);
            break;
        }
        batches++;
        CHECK(cnt <= 100);
        for (size_t k = 0; k < cnt; k++) {
            CHECK(!out[k].synced_to_dht);
            int idx = -1;
            for (int i = 0; i < N; i++)
                if (!strcmp(msgs[i].message_id, out[k].message_id))
                    idx = i;
            CHECK(idx >= 0);
            CHECK_EQ_INT(seen[idx], 0);
            seen[idx] = 1;
            total++;
        }
        CHECK(last > after);
        after = last;
        dnasync_cache_free_messages(out, cnt);
    }
    CHECK_EQ_INT(batches, 3);
    CHECK_EQ_INT(total, 225);

    /* mark 250-row worth in one call (synced ones and unknown ids are skipped) */
    const char **ids = calloc(N + 1, sizeof *ids);
    CHECK(ids);
    for (int i = 0; i < 120; i++)
        ids[i] = msgs[i].message_id;
    ids[120] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, ids, 121), 0);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_pending_count(t.c, &pc), 0);
    CHECK_EQ_INT(pc, 225 - 108); /* 12 of the first 120 were already synced */
    /* a failing batch (NULL id) changes nothing */
    ids[0] = msgs[200].message_id;
    ids[1] = NULL;
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, ids, 2), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_cache_pending_count(t.c, &pc), 0);
    CHECK_EQ_INT(pc, 117);
    check_pending_invariant(t.c);
    /* limits */
    message_info_t *out;
    size_t cnt;
    int64_t last;
    CHECK_EQ_INT(dnasync_cache_pending(t.c, 0, 0, &out, &last, &cnt), DNASYNC_EINVAL);

    free(ids);
    free(seen);
    dnasync_cache_free_messages(msgs, N);
    tcache_close(&t);
}

static void test_batch_atomic(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, DEV, 1), 0);
    message_info_t msgs[5];
    for (int i = 0; i < 5; i++)
        mk_msg(&msgs[i], "alice", "bob", 100 + i, i == 2 ? "two" : "x");
    /* a pre-existing row: it must stay, and its conversation counters too */
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &msgs[0], NULL), 0);
    char *saved = msgs[3].sender;
    msgs[3].sender = NULL; /* failure in the middle */
    size_t ins = 99;
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, msgs, 5, &ins), DNASYNC_EINVAL);
    CHECK_EQ_INT(ins, 0);
    CHECK(strstr(dnasync_cache_errmsg(t.c), "sender and recipient") != NULL);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM messages"), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations"), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations"), 100);
    check_pending_invariant(t.c);
    /* a failure inside SQLite itself (a trigger added for the test aborts the 5th insert) */
    msgs[3].sender = saved;
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(t.c),
                              "CREATE TRIGGER t_fail BEFORE INSERT ON messages WHEN "
                              "NEW.created_at = 104 BEGIN SELECT RAISE(ABORT, 'injected'); END;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, msgs, 5, &ins), DNASYNC_EINVAL);
    CHECK(strstr(dnasync_cache_errmsg(t.c), "injected") != NULL);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM messages"), 1);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(t.c), "DROP TRIGGER t_fail", NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, msgs, 5, &ins), 0);
    CHECK_EQ_INT(ins, 4);
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations"), 5);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations"), 104);
    check_pending_invariant(t.c);

    /* inside a caller transaction a failing call rolls back only itself */
    message_info_t extra;
    mk_msg(&extra, "alice", "bob", 900, "extra");
    CHECK_EQ_INT(dnasync_cache_begin(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_begin(t.c), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &extra, NULL), 0);
    saved = msgs[1].sender;
    msgs[1].sender = NULL;
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, msgs, 2, NULL), DNASYNC_EINVAL);
    msgs[1].sender = saved;
    CHECK_EQ_INT(dnasync_cache_commit(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_has(t.c, extra.message_id), 1);
    /* rollback of a caller transaction */
    message_info_t gone;
    mk_msg(&gone, "alice", "bob", 901, "gone");
    CHECK_EQ_INT(dnasync_cache_begin(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &gone, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_rollback(t.c), 0);
    CHECK_EQ_INT(dnasync_cache_has(t.c, gone.message_id), 0);
    check_pending_invariant(t.c);
    message_info_clear(&gone);
    message_info_clear(&extra);
    for (int i = 0; i < 5; i++)
        message_info_clear(&msgs[i]);
    tcache_close(&t);
}

static void test_list(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t m[6];
    mk_msg(&m[0], "alice", "bob", 100, "a");
    mk_msg(&m[1], "bob", "alice", 300, "b");
    mk_msg(&m[2], "carol", "bob", 200, "c");
    mk_msg(&m[3], "alice", "bob", 300, "d"); /* same created_at as m[1]: later rowid first */
    mk_msg(&m[4], "alice", "bob", 50, "e");
    mk_msg(&m[5], "alice", "bob", 400, "f");
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, m, 6, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, m[5].message_id, 999, 0, NULL), 0);
    message_info_t *out;
    size_t n;
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, NULL, 0, 0, &out, &n), 0);
    CHECK_EQ_INT(n, 5);
    const int order[] = {3, 1, 2, 0, 4};
    for (int i = 0; i < 5; i++)
        CHECK_EQ_STR(out[i].message_id, m[order[i]].message_id);
    dnasync_cache_free_messages(out, n);
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, NULL, 0, 1, &out, &n), 0);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_STR(out[0].message_id, m[5].message_id);
    CHECK(out[0].deleted);
    dnasync_cache_free_messages(out, n);
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, "bob", 2, 0, &out, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(out[0].message_id, m[3].message_id);
    CHECK_EQ_STR(out[1].message_id, m[2].message_id);
    dnasync_cache_free_messages(out, n);
    const char *ab[] = {"alice", "bob"};
    char cab[65];
    CHECK_EQ_INT(dnasync_conversation_id(ab, 2, cab), 0);
    CHECK_EQ_INT(dnasync_cache_list(t.c, cab, NULL, 0, 0, &out, &n), 0);
    CHECK_EQ_INT(n, 4);
    dnasync_cache_free_messages(out, n);
    CHECK_EQ_INT(dnasync_cache_list(t.c, cab, "alice", 0, 0, &out, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(out[0].message_id, m[1].message_id);
    dnasync_cache_free_messages(out, n);
    CHECK_EQ_INT(dnasync_cache_list(t.c, "nope", NULL, 0, 1, &out, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK(out == NULL);
    for (int i = 0; i < 6; i++)
        message_info_clear(&m[i]);
    tcache_close(&t);
}

typedef struct idlist {
    int n;
    char ids[16][65];
    int deleted[16];
} idlist_t;

static void collect(void *user, const char *id, int deleted)
{
    idlist_t *l = user;
    CHECK(l->n < 16);
    snprintf(l->ids[l->n], 65, "%s", id);
    l->deleted[l->n++] = deleted;
}

static void test_ids_between(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t m[4];
    for (int i = 0; i < 4; i++)
        mk_msg(&m[i], "alice", "bob", 100 * (4 - i), "x"); /* 400, 300, 200, 100 */
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, m, 4, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, m[2].message_id, 5, 0, NULL), 0);
    idlist_t l = {0};
    CHECK_EQ_INT(dnasync_cache_ids_between(t.c, 200, 400, collect, &l), 0); /* [200, 400) */
    CHECK_EQ_INT(l.n, 2);
    CHECK_EQ_STR(l.ids[0], m[2].message_id);
    CHECK_EQ_INT(l.deleted[0], 1);
    CHECK_EQ_STR(l.ids[1], m[1].message_id);
    CHECK_EQ_INT(l.deleted[1], 0);
    for (int i = 0; i < 4; i++)
        message_info_clear(&m[i]);
    tcache_close(&t);
}

static void test_prune(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, DEV, 1), 0);
    message_info_t m[6];
    mk_msg(&m[0], "alice", "bob", 100, "old synced unread");
    m[0].synced_to_dht = true;
    mk_msg(&m[1], "alice", "bob", 110, "old pending"); /* never pruned */
    mk_msg(&m[2], "alice", "bob", 120, "old synced deleted");
    m[2].synced_to_dht = true;
    mk_msg(&m[3], "alice", "bob", 500, "new synced");
    m[3].synced_to_dht = true;
    mk_msg(&m[4], "carol", "bob", 90, "old synced, only message of its conversation");
    m[4].synced_to_dht = true;
    mk_msg(&m[5], "alice", "bob", 200, "exactly at cutoff: kept");
    m[5].synced_to_dht = true;
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, m, 6, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, m[2].message_id, 130, 1, NULL), 0);
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations WHERE participants = "
                              "'[\"alice\",\"bob\"]'"),
                 4);
    check_pending_invariant(t.c);
    size_t del = 99;
    CHECK_EQ_INT(dnasync_cache_prune(t.c, 200, &del), 0);
    CHECK_EQ_INT(del, 3); /* m0, m2, m4 */
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[0].message_id), 0);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[1].message_id), 1);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[2].message_id), 0);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[3].message_id), 1);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[4].message_id), 0);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[5].message_id), 1);
    /* the tombstone stays, so the message can never come back */
    int64_t da;
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, m[2].message_id, &da, NULL), 0);
    /* conversations consistent: unread recomputed; the emptied one is kept with NULL last */
    CHECK_EQ_INT(sql_int(t.c, "SELECT unread_count FROM conversations WHERE participants = "
                              "'[\"alice\",\"bob\"]'"),
                 3);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations WHERE participants = "
                              "'[\"alice\",\"bob\"]'"),
                 500);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM conversations WHERE participants = "
                              "'[\"bob\",\"carol\"]' AND last_message_at IS NULL AND "
                              "unread_count = 0"),
                 1);
    check_pending_invariant(t.c);
    /* pending rows survive any cutoff */
    CHECK_EQ_INT(dnasync_cache_prune(t.c, INT64_MAX, &del), 0);
    CHECK_EQ_INT(del, 2);
    CHECK_EQ_INT(dnasync_cache_has(t.c, m[1].message_id), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM messages"), 1);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_prune(t.c, INT64_MAX, &del), 0);
    CHECK_EQ_INT(del, 0);
    for (int i = 0; i < 6; i++)
        message_info_clear(&m[i]);
    tcache_close(&t);
}

static void test_state_and_invariant(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    dnasync_sync_state_t s;
    /* no row: zeros, pending = count */
    CHECK_EQ_INT(dnasync_cache_state_get(t.c, DEV, &s), 0);
    CHECK_EQ_INT(s.last_upload_time, 0);
    CHECK_EQ_INT(s.pending_uploads, 0);
    message_info_t m[3];
    for (int i = 0; i < 3; i++)
        mk_msg(&m[i], "alice", "bob", 10 + i, "x");
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, m, 3, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_state_get(t.c, DEV, &s), 0);
    CHECK_EQ_INT(s.pending_uploads, 3);
    CHECK_EQ_STR(s.device_id, DEV);
    /* a row created later starts with the right count */
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, DEV, 77), 0);
    CHECK_EQ_INT(dnasync_cache_state_set_download_time(t.c, DEV, 88), 0);
    CHECK_EQ_INT(dnasync_cache_state_set_pending_downloads(t.c, DEV, 5), 0);
    CHECK_EQ_INT(dnasync_cache_state_set_pending_downloads(t.c, "other", 1), 0);
    CHECK_EQ_INT(dnasync_cache_state_get(t.c, DEV, &s), 0);
    CHECK_EQ_INT(s.last_upload_time, 77);
    CHECK_EQ_INT(s.last_download_time, 88);
    CHECK_EQ_INT(s.pending_downloads, 5);
    CHECK_EQ_INT(s.pending_uploads, 3);
    check_pending_invariant(t.c);
    const char *ids[] = {m[0].message_id};
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, ids, 1), 0);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_mark_synced(t.c, ids, 1), 0); /* again: no double count */
    check_pending_invariant(t.c);
    /* raw SQL writers keep it too (triggers) */
    CHECK_EQ_INT(sqlite3_exec(dnasync_cache_db(t.c),
                              "UPDATE messages SET synced_to_dht = 0; DELETE FROM messages "
                              "WHERE created_at = 12;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_state_get(t.c, "other", &s), 0);
    CHECK_EQ_INT(s.pending_uploads, 2);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, m[0].message_id, 5, 0, NULL), 0); /* deleted ≠ synced */
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_prune(t.c, 1000, NULL), 0);
    check_pending_invariant(t.c);
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, "", 1), DNASYNC_EINVAL);
    for (int i = 0; i < 3; i++)
        message_info_clear(&m[i]);
    tcache_close(&t);
}

static void test_meta(void)
{
    tcache_t t;
    tcache_open(&t, NULL);
    char *v = (char *)1;
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "cursor", &v), DNASYNC_ENOTFOUND);
    CHECK(v == NULL);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "cursor", "day-19000"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "cursor", "day-19001"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "cursor", &v), 0);
    CHECK_EQ_STR(v, "day-19001");
    free(v);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "empty", ""), 0);
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "empty", &v), 0);
    CHECK_EQ_STR(v, "");
    free(v);
    CHECK_EQ_INT(dnasync_cache_meta_delete(t.c, "cursor"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_delete(t.c, "cursor"), 0);
    CHECK_EQ_INT(dnasync_cache_meta_get(t.c, "cursor", &v), DNASYNC_ENOTFOUND);
    CHECK_EQ_INT(dnasync_cache_meta_set(t.c, "k", NULL), DNASYNC_EINVAL);
    tcache_close(&t);
}

int main(void)
{
    RUN(test_insert_duplicate);
    RUN(test_insert_validation);
    RUN(test_conversations_and_unread);
    RUN(test_unread_without_self);
    RUN(test_pending_batches);
    RUN(test_batch_atomic);
    RUN(test_list);
    RUN(test_ids_between);
    RUN(test_prune);
    RUN(test_state_and_invariant);
    RUN(test_meta);
    return 0;
}
