/* Tombstones: before/after the message, last-write-wins, unread and last_message_at fixes,
 * pending list and sync marks, ranges. */
#define _POSIX_C_SOURCE 200809L
#include "cache_test_util.h"

static const char *DEV = "0123456789abcdef0123456789abcdef";

static int64_t conv_unread(tcache_t *t)
{
    return sql_int(t->c, "SELECT unread_count FROM conversations");
}

static void test_message_then_tombstone(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    CHECK_EQ_INT(dnasync_cache_state_set_upload_time(t.c, DEV, 1), 0);
    message_info_t a, b;
    mk_msg(&a, "alice", "bob", 100, "older");
    mk_msg(&b, "alice", "bob", 200, "newest");
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &a, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &b, NULL), 0);
    CHECK_EQ_INT(conv_unread(&t), 2);
    int changed = -1;
    CHECK_EQ_INT(dnasync_cache_delete(t.c, b.message_id, 1000, 0, &changed), 0);
    CHECK_EQ_INT(changed, 1);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, b.message_id, &g), 0);
    CHECK(g.deleted);
    CHECK_EQ_INT(g.ciphertext_len, 6); /* soft: the row stays */
    message_info_clear(&g);
    CHECK_EQ_INT(conv_unread(&t), 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations"), 100);
    int64_t da = 0;
    int synced = -1;
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, b.message_id, &da, &synced), 0);
    CHECK_EQ_INT(da, 1000);
    CHECK_EQ_INT(synced, 0);
    /* the same tombstone again: nothing changes, unread not decremented twice */
    CHECK_EQ_INT(dnasync_cache_delete(t.c, b.message_id, 1000, 0, &changed), 0);
    CHECK_EQ_INT(changed, 0);
    CHECK_EQ_INT(conv_unread(&t), 1);
    /* a read message deleted does not touch unread */
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, a.message_id, 5), 0);
    CHECK_EQ_INT(conv_unread(&t), 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, a.message_id, 1000, 0, &changed), 0);
    CHECK_EQ_INT(conv_unread(&t), 0);
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at IS NULL FROM conversations"), 1);
    /* a duplicate arriving after deletion does not resurrect it */
    int ins = -1;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &b, &ins), 0);
    CHECK_EQ_INT(ins, 0);
    CHECK_EQ_INT(dnasync_cache_get(t.c, b.message_id, &g), 0);
    CHECK(g.deleted);
    message_info_clear(&g);
    check_pending_invariant(t.c); /* deletion does not change pending uploads */
    CHECK_EQ_INT(dnasync_cache_delete(t.c, "xyz", 1, 0, NULL), DNASYNC_EINVAL);
    message_info_clear(&a);
    message_info_clear(&b);
    tcache_close(&t);
}

static void test_tombstone_before_message(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    message_info_t a, b;
    mk_msg(&a, "alice", "bob", 100, "deleted before it arrived");
    mk_msg(&b, "alice", "bob", 50, "kept");
    int changed = 0;
    CHECK_EQ_INT(dnasync_cache_delete(t.c, a.message_id, 500, 1, &changed), 0);
    CHECK_EQ_INT(changed, 1);
    CHECK_EQ_INT(dnasync_cache_has(t.c, a.message_id), 0); /* tombstone without message */
    int ins = 0;
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &a, &ins), 0);
    CHECK_EQ_INT(ins, 1);
    CHECK_EQ_INT(dnasync_cache_insert(t.c, &b, &ins), 0);
    message_info_t g;
    CHECK_EQ_INT(dnasync_cache_get(t.c, a.message_id, &g), 0);
    CHECK(g.deleted);
    message_info_clear(&g);
    CHECK_EQ_INT(conv_unread(&t), 1); /* only b */
    CHECK_EQ_INT(sql_int(t.c, "SELECT last_message_at FROM conversations"), 50);
    message_info_t *out;
    size_t n;
    CHECK_EQ_INT(dnasync_cache_list(t.c, NULL, NULL, 0, 0, &out, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(out[0].message_id, b.message_id);
    dnasync_cache_free_messages(out, n);
    /* mark_read of the deleted message does not decrement b's unread */
    CHECK_EQ_INT(dnasync_cache_mark_read(t.c, a.message_id, 9), 0);
    CHECK_EQ_INT(conv_unread(&t), 1);
    /* also within a batch */
    message_info_t c2;
    mk_msg(&c2, "alice", "bob", 60, "batch");
    CHECK_EQ_INT(dnasync_cache_delete(t.c, c2.message_id, 70, 0, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_insert_batch(t.c, &c2, 1, NULL), 0);
    CHECK_EQ_INT(dnasync_cache_get(t.c, c2.message_id, &g), 0);
    CHECK(g.deleted);
    message_info_clear(&g);
    CHECK_EQ_INT(conv_unread(&t), 1);
    message_info_clear(&c2);
    message_info_clear(&a);
    message_info_clear(&b);
    tcache_close(&t);
}

static void test_lww(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    const char *id = "1111111111111111111111111111111111111111111111111111111111111111";
    int changed;
    int64_t da;
    int synced;
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 200, 1, &changed), 0);
    CHECK_EQ_INT(changed, 1);
    /* earlier one does not overwrite the later one */
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 100, 0, &changed), 0);
    CHECK_EQ_INT(changed, 0);
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, id, &da, &synced), 0);
    CHECK_EQ_INT(da, 200);
    CHECK_EQ_INT(synced, 1);
    /* later one wins, with its synced flag */
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 300, 0, &changed), 0);
    CHECK_EQ_INT(changed, 1);
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, id, &da, &synced), 0);
    CHECK_EQ_INT(da, 300);
    CHECK_EQ_INT(synced, 0);
    /* equal deleted_at: only raises synced */
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 300, 0, &changed), 0);
    CHECK_EQ_INT(changed, 0);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 300, 1, &changed), 0);
    CHECK_EQ_INT(changed, 1);
    CHECK_EQ_INT(dnasync_cache_delete(t.c, id, 300, 0, &changed), 0);
    CHECK_EQ_INT(changed, 0);
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, id, &da, &synced), 0);
    CHECK_EQ_INT(da, 300);
    CHECK_EQ_INT(synced, 1);
    CHECK_EQ_INT(sql_int(t.c, "SELECT count(*) FROM tombstones"), 1);
    CHECK_EQ_INT(dnasync_cache_tombstone_get(t.c, "22", &da, &synced), DNASYNC_ENOTFOUND);
    tcache_close(&t);
}

typedef struct tlist {
    int n;
    char ids[8][65];
    int64_t at[8];
} tlist_t;

static void tcollect(void *user, const char *id, int64_t at)
{
    tlist_t *l = user;
    CHECK(l->n < 8);
    snprintf(l->ids[l->n], 65, "%s", id);
    l->at[l->n++] = at;
}

static void test_pending_and_range(void)
{
    tcache_t t;
    tcache_open(&t, "bob");
    char ids[5][65];
    for (int i = 0; i < 5; i++) {
        memset(ids[i], "abcde"[i], 64);
        ids[i][64] = '\0';
        CHECK_EQ_INT(dnasync_cache_delete(t.c, ids[i], 100 + 10 * i, i == 1, NULL), 0);
    }
    dnasync_tombstone_t *tb;
    size_t n, pc;
    CHECK_EQ_INT(dnasync_cache_tombstones_pending_count(t.c, &pc), 0);
    CHECK_EQ_INT(pc, 4);
    CHECK_EQ_INT(dnasync_cache_tombstones_pending(t.c, 0, &tb, &n), 0);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(tb[0].message_id, ids[0]);
    CHECK_EQ_INT(tb[0].deleted_at, 100);
    CHECK_EQ_STR(tb[1].message_id, ids[2]);
    free(tb);
    CHECK_EQ_INT(dnasync_cache_tombstones_pending(t.c, 2, &tb, &n), 0);
    CHECK_EQ_INT(n, 2);
    free(tb);
    const char *mark[] = {ids[0], ids[2], ids[3]};
    CHECK_EQ_INT(dnasync_cache_tombstone_mark_synced(t.c, mark, 3), 0);
    CHECK_EQ_INT(dnasync_cache_tombstones_pending(t.c, 0, &tb, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(tb[0].message_id, ids[4]);
    free(tb);
    const char *bad[] = {ids[4], NULL};
    CHECK_EQ_INT(dnasync_cache_tombstone_mark_synced(t.c, bad, 2), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_cache_tombstones_pending_count(t.c, &pc), 0);
    CHECK_EQ_INT(pc, 1); /* rolled back */
    CHECK_EQ_INT(dnasync_cache_tombstone_mark_synced(t.c, bad, 1), 0);
    CHECK_EQ_INT(dnasync_cache_tombstones_pending(t.c, 0, &tb, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK(tb == NULL);
    tlist_t l = {0};
    CHECK_EQ_INT(dnasync_cache_tombstone_ids_between(t.c, 110, 140, tcollect, &l), 0);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.ids[0], ids[1]);
    CHECK_EQ_INT(l.at[0], 110);
    CHECK_EQ_STR(l.ids[2], ids[3]);
    tcache_close(&t);
}

int main(void)
{
    RUN(test_message_then_tombstone);
    RUN(test_tombstone_before_message);
    RUN(test_lww);
    RUN(test_pending_and_range);
    return 0;
}
