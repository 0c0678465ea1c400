/* The real dnasync binary against temporary homes: init, status, inbox, prune, cache-add and
 * every kind of bad input (clear one-line error, right exit code, nothing stored lost), and a
 * damaged cached message (the others still shown, a warning naming it). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *root;

static char *path_in(const char *name)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", root, name);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void expect_fail(proc_result_t r, int code, const char *needle)
{
    if (r.exit_code != code || !strstr(r.err, needle) || strncmp(r.err, "dnasync: ", 9) != 0) {
        fprintf(stderr, "expected exit %d with '%s', got %d: out=%s err=%s\n", code, needle,
                r.exit_code, r.out, r.err);
        exit(1);
    }
    /* one line */
    CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);
    proc_result_free(&r);
}

static void test_usage_errors(void)
{
    proc_result_t r = cli_run(NULL, 0, "--help", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "inbox") && strstr(r.out, "prune"));
    proc_result_free(&r);
    char *home = path_in("h-usage");
    expect_fail(cli_run(home, 0, "frobnicate", (char *)NULL), 2, "unknown command 'frobnicate'");
    expect_fail(cli_run(home, 0, "init", "--offline", (char *)NULL), 2,
                "init wants exactly one NAME");
    expect_fail(cli_run(home, 0, "--bogus", "status", (char *)NULL), 2, "unknown option '--bogus'");
    expect_fail(cli_run(home, 0, "prune", "--days", "x", (char *)NULL), 2, "--days wants a number");
    expect_fail(cli_run(home, 0, "inbox", "--limit", "-3", (char *)NULL), 2,
                "--limit wants a number");
    expect_fail(cli_run(home, 0, "status", (char *)NULL), 1, "no dnasync home");
    r = cli_run(home, 0, "inbox", "--help", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "usage: dnasync inbox"));
    proc_result_free(&r);
    free(home);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void test_bad_names(void)
{
    char *home = path_in("h-names");
    char longname[80];
    memset(longname, 'a', 65);
    longname[65] = '\0';
    expect_fail(cli_run(home, 0, "init", "--offline", longname, (char *)NULL), 2, "65 bytes");
    expect_fail(cli_run(home, 0, "init", "--offline", "bad\xff\xfename", (char *)NULL), 2, "UTF-8");
    expect_fail(cli_run(home, 0, "init", "--offline", "", (char *)NULL), 2, "invalid name");
    expect_fail(cli_run(home, 0, "init", "--offline", "tab\tname", (char *)NULL), 2, "control");
    CHECK(!exists(home)); /* a bad name creates nothing */
    free(home);
}

static int count_columns(sqlite3 *db, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        n++;
    sqlite3_finalize(st);
    return n;
}

static void test_init_creates_home(void)
{
    char *home = path_in("h-alice");
    proc_result_t r = cli_run(home, 1, "init", "--offline", "alice", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"name\":\"alice\""));
    proc_result_free(&r);

    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/device_id", home);
    CHECK(stat(p, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    char *dev = slurp(p);
    CHECK(dev && strspn(dev, "0123456789abcdef") == 32);
    snprintf(p, sizeof p, "%s/identity", home);
    CHECK(stat(p, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);

    snprintf(p, sizeof p, "%s/cache.db", home);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK_EQ_INT(count_columns(db, "messages"), 15); /* the spec's 13 + migration 5 */
    CHECK_EQ_INT(count_columns(db, "conversations"), 6);
    CHECK_EQ_INT(count_columns(db, "sync_state"), 5);
    CHECK_EQ_INT(count_columns(db, "tombstones"), 3);
    sqlite3_close(db);

    /* A second init refuses and keeps everything. */
    expect_fail(cli_run(home, 0, "init", "--offline", "mallory", (char *)NULL), 1, "already");
    snprintf(p, sizeof p, "%s/device_id", home);
    char *dev2 = slurp(p);
    CHECK_EQ_STR(dev, dev2);
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"name\":\"alice\""));
    proc_result_free(&r);
    free(dev);
    free(dev2);
    free(home);
}

static void test_unwritable_home(void)
{
    char *file = path_in("plainfile");
    FILE *f = fopen(file, "w");
    CHECK(f);
    fclose(f);
    char home[4200];
    snprintf(home, sizeof home, "%s/sub/home", file);
    expect_fail(cli_run(home, 0, "init", "--offline", "alice", (char *)NULL), 1,
                "cannot create home");
    free(file);
}

static void test_corrupt_device_id(void)
{
    char *home = path_in("h-corrupt");
    proc_result_t r = cli_run(home, 0, "init", "--offline", "carol", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    char p[4200];
    snprintf(p, sizeof p, "%s/device_id", home);
    FILE *f = fopen(p, "w");
    CHECK(f);
    fputs("not-a-device-id\n", f);
    fclose(f);
    expect_fail(cli_run(home, 0, "status", (char *)NULL), 1, "device_id");
    char *after = slurp(p);
    CHECK_EQ_STR(after, "not-a-device-id\n"); /* never silently replaced */
    free(after);
    free(home);
}

/* A cache file that is not a database: the command says why (SQLite's reason, not a generic
 * one) and leaves the file as it was. */
static void test_corrupt_cache(void)
{
    char *home = path_in("h-badcache");
    proc_result_t r = cli_run(home, 0, "init", "--offline", "dave", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    char p[4200];
    snprintf(p, sizeof p, "%s/cache.db", home);
    FILE *f = fopen(p, "w");
    CHECK(f);
    for (int i = 0; i < 64; i++)
        fputs("this is no SQLite database. ", f);
    fclose(f);
    expect_fail(cli_run(home, 0, "status", (char *)NULL), 1, "not a database");
    char *after = slurp(p);
    CHECK(strncmp(after, "this is no SQLite database. ", 28) == 0); /* untouched */
    free(after);
    free(home);
}

static void test_cache_add_inbox_prune(void)
{
    char *home = path_in("h-bob");
    proc_result_t r = cli_run(home, 0, "init", "--offline", "bob", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);

    r = cli_run(home, 1, "cache-add", "--sender", "alice", "--recipient", "bob", "--text",
                "hello \"bob\"", "--created-at", "2000000000", "--synced", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"message_id\":\""));
    proc_result_free(&r);
    r = cli_run(home, 1, "cache-add", "--sender", "bob", "--recipient", "alice", "--text",
                "old pending", "--created-at", "1000000000", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    r = cli_run(home, 1, "cache-add", "--sender", "alice", "--recipient", "bob", "--text",
                "old synced", "--created-at", "1000000001", "--synced", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);

    r = cli_run(home, 1, "inbox", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char *first = strstr(r.out, "hello \\\"bob\\\"");
    char *second = strstr(r.out, "old synced");
    char *third = strstr(r.out, "old pending");
    CHECK(first && second && third && first < second && second < third); /* newest first */
    CHECK(strstr(r.out, "\"sender\":\"alice\",\"recipient\":\"bob\""));
    proc_result_free(&r);

    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"pending_uploads\":1,"));
    CHECK(strstr(r.out, "\"messages\":3,"));
    proc_result_free(&r);

    expect_fail(cli_run(home, 0, "prune", "--days", "0", (char *)NULL), 2, "at least 1");
    r = cli_run(home, 1, "prune", "--days", "90", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"pruned\":1,"));
    proc_result_free(&r);
    r = cli_run(home, 1, "inbox", (char *)NULL);
    CHECK(strstr(r.out, "old pending") && !strstr(r.out, "old synced"));
    proc_result_free(&r);
    free(home);
}

/* A message whose cached copy is damaged on disk: inbox shows the others, names it in a
 * warning on stderr and exits 0; the row is left exactly as it was. */
static void test_damaged_row(void)
{
    char *home = path_in("h-damaged");
    proc_result_t r = cli_run(home, 0, "init", "--offline", "erin", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    char ids[3][65];
    const char *texts[3] = {"older", "damaged one", "newer"};
    const char *when[3] = {"1000000001", "1000000002", "1000000003"};
    for (int i = 0; i < 3; i++) {
        r = cli_run(home, 1, "cache-add", "--sender", "alice", "--recipient", "erin", "--text",
                    texts[i], "--created-at", when[i], (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        char *p = strstr(r.out, "\"message_id\":\"");
        CHECK(p);
        memcpy(ids[i], p + 14, 64);
        ids[i][64] = '\0';
        proc_result_free(&r);
    }
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"damaged_rows\":0")); /* every sync_status_t field, by name */
    proc_result_free(&r);

    /* the middle row's ciphertext marked as a zlib stream it is not (damage on disk) */
    char p[4200];
    snprintf(p, sizeof p, "%s/cache.db", home);
    sqlite3 *db;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    char sql[400], *before = NULL;
    snprintf(sql, sizeof sql,
             "UPDATE messages SET ciphertext_encoding = 1, ciphertext_len = length(ciphertext) + 1 "
             "WHERE message_id = '%s'",
             ids[1]);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_changes(db), 1);
    snprintf(sql, sizeof sql,
             "SELECT quote(ciphertext)||quote(ciphertext_encoding)||quote(ciphertext_len)||"
             "quote(synced_to_dht)||quote(deleted)||quote(status) FROM messages "
             "WHERE message_id = '%s'",
             ids[1]);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    before = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    for (int json = 0; json < 2; json++) {
        r = cli_run(home, json, "inbox", (char *)NULL);
        CHECK_EQ_INT(r.exit_code, 0);
        CHECK(strstr(r.out, "older") && strstr(r.out, "newer"));
        CHECK(!strstr(r.out, "damaged one") && !strstr(r.out, ids[1]));
        if (!strstr(r.err, ids[1]) || !strstr(r.err, "dnasync: warning: message ") ||
            !strstr(r.err, "stored compressed ciphertext is corrupt"))
            fprintf(stderr, "inbox stderr: %s\n", r.err);
        CHECK(strncmp(r.err, "dnasync: warning: message ", 26) == 0 && strstr(r.err, ids[1]));
        CHECK(strstr(r.err, "stored compressed ciphertext is corrupt"));
        CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1); /* one line per message */
        proc_result_free(&r);
    }
    /* --limit 2: the two readable ones, the damaged one does not take a place */
    r = cli_run(home, 1, "inbox", "--limit", "2", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "older") && strstr(r.out, "newer"));
    proc_result_free(&r);

    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), before); /* untouched */
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(before);
    free(home);
}

int main(void)
{
    root = test_tmpdir("cli");
    RUN(test_usage_errors);
    RUN(test_bad_names);
    RUN(test_init_creates_home);
    RUN(test_unwritable_home);
    RUN(test_corrupt_device_id);
    RUN(test_corrupt_cache);
    RUN(test_cache_add_inbox_prune);
    RUN(test_damaged_row);
    test_rmtree(root);
    free(root);
    return 0;
}
