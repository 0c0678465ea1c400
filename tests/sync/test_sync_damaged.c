/* A cached message whose stored ciphertext is damaged on disk never blocks or hides the others:
 * Alice's desktop has three pending messages, the middle one's row is damaged with raw SQL; a
 * pass uploads the other two (her phone receives them), the damaged one stays pending and
 * byte-for-byte untouched, is named by sync_get_damaged, counted in damaged_rows (also after a
 * restart), and the dnasync command warns about it on stderr (sync, inbox) with exit status 0.
 * Once the row is readable again it goes up like any other; damaged again, it can still be
 * deleted everywhere. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "row_text.h"
#include "sync/sync_cache_add.h"
#include "sync_testnet.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tnet_t net;
static tdev_t desk, mob;

/* A connection of its own to the home's cache.db. */
static sqlite3 *open_db(const char *home)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/cache.db", home);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_busy_timeout(db, 5000), SQLITE_OK);
    return db;
}

/* Runs one statement with ?1 = id on the home's cache.db through a connection of its own (raw
 * SQL, as damage on disk would be); CHECKs it changed exactly one row. */
static void raw_sql(const char *home, const char *sql, const char *id)
{
    sqlite3 *db = open_db(home);
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_changes(db), 1);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);
}

/* The row as stored, read through a connection of its own. malloc'd. */
static char *row_text(const char *home, const char *id)
{
    sqlite3 *db = open_db(home);
    char *t = test_row_text(db, id);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);
    return t;
}

/* Two row_text()s hold the same ciphertext blob and the same last two columns (encoding and
 * recorded length). */
static int same_stored_bytes(const char *a, const char *b)
{
    const char *pa = strstr(a, "|X'"), *pb = strstr(b, "|X'");
    if (!pa || !pb)
        return 0;
    const char *ea = strchr(pa + 3, '\''), *eb = strchr(pb + 3, '\'');
    if (!ea || !eb || ea - pa != eb - pb || memcmp(pa, pb, (size_t)(ea - pa)) != 0)
        return 0;
    const char *ta = strrchr(a, '|'), *tb = strrchr(b, '|');
    while (ta > a && ta[-1] != '|')
        ta--;
    while (tb > b && tb[-1] != '|')
        tb--;
    return strcmp(ta, tb) == 0;
}

static void check_damaged_list(sync_context_t *sync, const char *id)
{
    sync_damaged_t *d = NULL;
    size_t n = 0;
    CHECK_EQ_INT(sync_get_damaged(sync, &d, &n), 0);
    CHECK_EQ_INT(n, 1); /* once per message, however often it was met */
    CHECK_EQ_STR(d[0].message_id, id);
    if (!strstr(d[0].reason, "stored compressed ciphertext is corrupt"))
        fprintf(stderr, "reason: %s\n", d[0].reason);
    CHECK(strstr(d[0].reason, "stored compressed ciphertext is corrupt") != NULL);
    free(d);
}

static void check_status(sync_context_t *sync, size_t pending, size_t damaged)
{
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(sync, &st), 0);
    CHECK_EQ_INT(st.pending_uploads, pending);
    CHECK_EQ_INT(st.damaged_rows, damaged);
}

static void expect_in(const char *what, const char *text, const char *needle)
{
    if (!strstr(text, needle)) {
        fprintf(stderr, "%s lacks '%s':\n%s\n", what, needle, text);
        exit(1);
    }
}

int main(void)
{
    tnet_start(&net, 3, 0);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    tdev_link(&mob, &desk, &net, "alice-mobile", 1);
    tdev_open(&desk, &net);
    tdev_open(&mob, &net);

    /* three pending messages on the desktop (cache only, not uploaded yet) */
    char id[3][65];
    const char *texts[3] = {"first note", "second note", "third note"};
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(sync_cache_add_text(desk.sync, "alice", "alice", texts[i], 0, false, id[i]),
                     0);
    check_status(desk.sync, 3, 0);
    sync_damaged_t *none = NULL;
    size_t n_none = 1;
    CHECK_EQ_INT(sync_get_damaged(desk.sync, &none, &n_none), 0);
    CHECK(none == NULL && n_none == 0);

    /* the middle row damaged on disk: marked as a zlib stream it is not (an envelope does not
     * compress, so the cache stored it raw) */
    raw_sql(desk.home,
            "UPDATE messages SET ciphertext_encoding = 1, ciphertext_len = length(ciphertext) + 1 "
            "WHERE message_id = ?1",
            id[1]);
    char *damaged_row = row_text(desk.home, id[1]);

    /* the pass uploads the other two and succeeds; the damaged one stays pending */
    size_t up = 0;
    tdev_sync(&desk, &up, NULL, NULL);
    CHECK_EQ_INT(up, 2);
    check_status(desk.sync, 1, 1);
    check_damaged_list(desk.sync, id[1]);
    /* the phone receives both; the damaged one never went out */
    tdev_sync_until(&mob, id[0]);
    tdev_sync_until(&mob, id[2]);
    char buf[4096];
    CHECK_EQ_INT(tdev_inbox(&mob, buf, sizeof buf), 2);
    CHECK(strstr(buf, "first note") && strstr(buf, "third note") && !strstr(buf, "second"));
    message_info_t m;
    CHECK_EQ_INT(sync_get_message(mob.sync, id[1], &m), DNASYNC_ENOTFOUND);

    /* a second pass: nothing to upload, still reported, the row still as it was stored */
    tdev_sync(&desk, &up, NULL, NULL);
    CHECK_EQ_INT(up, 0);
    check_status(desk.sync, 1, 1);
    /* the inbox shows the two others; reading the damaged one names it and says why */
    CHECK_EQ_INT(tdev_inbox(&desk, buf, sizeof buf), 2);
    CHECK(strstr(buf, "first note") && strstr(buf, "third note"));
    check_damaged_list(desk.sync, id[1]);
    CHECK_EQ_INT(sync_get_message(desk.sync, id[1], &m), DNASYNC_ECORRUPT);
    expect_in("sync_errmsg", sync_errmsg(desk.sync), id[1]);
    expect_in("sync_errmsg", sync_errmsg(desk.sync), "corrupt");
    char *row = row_text(desk.home, id[1]);
    CHECK_EQ_STR(row, damaged_row);
    free(row);

    /* restart: the count is kept; the dnasync command warns and exits 0 */
    tdev_close(&desk);
    proc_result_t r = cli_run(desk.home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    expect_in("status", r.out, "\"pending_uploads\":1,");
    expect_in("status", r.out, "\"damaged_rows\":1");
    proc_result_free(&r);
    r = cli_run(desk.home, 1, "--bootstrap", net.boot[0], "--bootstrap", net.boot[1], "--bootstrap",
                net.boot[2], "sync", (char *)NULL);
    if (r.exit_code != 0)
        fprintf(stderr, "sync: exit %d\n%s%s\n", r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    expect_in("sync", r.out, "\"uploaded\":0,");
    expect_in("sync", r.out, "\"pending_uploads\":1,");
    expect_in("sync", r.out, "\"damaged_rows\":1,");
    expect_in("sync", r.out, "\"ok\":true");
    expect_in("sync stderr", r.err, "dnasync: warning: message ");
    expect_in("sync stderr", r.err, id[1]);
    expect_in("sync stderr", r.err, "stored compressed ciphertext is corrupt");
    expect_in("sync stderr", r.err, "stays pending");
    proc_result_free(&r);
    for (int json = 0; json < 2; json++) {
        r = cli_run(desk.home, json, "inbox", (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        expect_in("inbox", r.out, "first note");
        expect_in("inbox", r.out, "third note");
        CHECK(!strstr(r.out, id[1]) && !strstr(r.out, "second note"));
        expect_in("inbox stderr", r.err, "dnasync: warning: message ");
        expect_in("inbox stderr", r.err, id[1]);
        expect_in("inbox stderr", r.err, "is not shown");
        proc_result_free(&r);
    }
    /* it can still be marked read (by id; its ciphertext is not needed) */
    r = cli_run(desk.home, 1, "read", id[1], (char *)NULL);
    if (r.exit_code != 0)
        fprintf(stderr, "read: exit %d\n%s%s\n", r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    expect_in("read", r.out, "\"read\":");
    proc_result_free(&r);
    row = row_text(desk.home, id[1]);
    CHECK(strstr(row, "'read'") != NULL);
    /* apart from status and read_at, still the row as stored: same ciphertext and encoding */
    CHECK(same_stored_bytes(row, damaged_row));
    free(row);

    /* repaired (the raw bytes were never touched): it goes up like any other */
    raw_sql(desk.home,
            "UPDATE messages SET ciphertext_encoding = 0, ciphertext_len = NULL "
            "WHERE message_id = ?1",
            id[1]);
    tdev_open(&desk, &net);
    check_status(desk.sync, 1, 1);
    tdev_sync(&desk, &up, NULL, NULL);
    CHECK_EQ_INT(up, 1);
    check_status(desk.sync, 0, 0);
    tdev_sync_until(&mob, id[1]);
    CHECK_EQ_INT(tdev_inbox(&mob, buf, sizeof buf), 3);
    CHECK(strstr(buf, "second note"));

    /* damaged again, it can still be deleted (only its parties are read): the phone drops it */
    raw_sql(desk.home,
            "UPDATE messages SET ciphertext_encoding = 1, ciphertext_len = length(ciphertext) + 1 "
            "WHERE message_id = ?1",
            id[1]);
    CHECK_EQ_INT(sync_get_message(desk.sync, id[1], &m), DNASYNC_ECORRUPT);
    CHECK_EQ_INT(sync_delete_message(desk.sync, id[1]), 0);
    tdev_sync(&desk, NULL, NULL, NULL);
    for (int i = 0; i < 20 && tdev_has(&mob, id[1]); i++) /* bounded: the tombstone may lag */
        tdev_sync(&mob, NULL, NULL, NULL);
    CHECK(!tdev_has(&mob, id[1]));
    CHECK(tdev_has(&mob, id[0]) && tdev_has(&mob, id[2]));

    free(damaged_row);
    tdev_close(&mob);
    tdev_close(&desk);
    tnet_free(&net);
    return 0;
}
