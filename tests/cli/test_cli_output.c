/* What a person sees (issue 11 item 4, issue 10 item 7): ISO-8601 local times, direction and
 * read state in the inbox, short id prefixes (unique: accepted; ambiguous: exit 2 listing the
 * candidates; unknown: exit 1), --conversation NAME, control and bidi characters escaped on the
 * terminal but exact in JSON, bad recipient names as usage errors, a second delete said so. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *root;
static char *utc[] = {(char *)"TZ=UTC0", NULL};
static char *india[] = {(char *)"TZ=IST-05:30", NULL};

static void expect(proc_result_t r, int code, const char *out_has, const char *err_has)
{
    if (r.exit_code != code || (out_has && !strstr(r.out, out_has)) ||
        (err_has && !strstr(r.err, err_has))) {
        fprintf(stderr, "expected exit %d, out '%s', err '%s'; got %d: out=%s err=%s\n", code,
                out_has ? out_has : "", err_has ? err_has : "", r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

static char *new_home(const char *tag, const char *name)
{
    char *home = malloc(4200);
    snprintf(home, 4200, "%s/%s", root, tag);
    expect(cli_run(home, 0, "init", "--offline", name, (char *)NULL), 0, NULL, NULL);
    return home;
}

/* cache-add; returns the new id (static buffer per call site is not needed: caller copies). */
static void add(const char *home, const char *from, const char *to, const char *text,
                const char *when, int synced, char id[65])
{
    proc_result_t r = cli_run(home, 1, "cache-add", "--sender", from, "--recipient", to, "--text",
                              text, "--created-at", when, synced ? "--synced" : NULL, (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char *p = strstr(r.out, "\"message_id\":\"");
    CHECK(p);
    memcpy(id, p + 14, 64);
    id[64] = '\0';
    proc_result_free(&r);
}

static void test_times_direction_read(void)
{
    char *home = new_home("bob", "bob");
    char in[65], out[65];
    add(home, "alice", "bob", "hello bob", "2000000000", 1, in);
    add(home, "bob", "alice", "hello alice", "2000000060", 0, out);
    /* 2000000000 = 2033-05-18T03:33:20Z */
    proc_result_t r = cli_run_env(utc, home, 0, "inbox", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "2033-05-18T03:33:20+00:00  received from alice  [unread]"));
    CHECK(strstr(r.out, "2033-05-18T03:34:20+00:00  sent to alice  [pending upload]"));
    CHECK(!strstr(r.out, "2000000000") && !strstr(r.out, "[sent]"));
    proc_result_free(&r);
    expect(cli_run_env(india, home, 0, "inbox", (char *)NULL), 0, "2033-05-18T09:03:20+05:30",
           NULL);
    expect(cli_run(home, 1, "inbox", (char *)NULL), 0,
           "\"created_at\":2000000000,\"status\":\"sent\",\"synced_to_dht\":true,"
           "\"direction\":\"received\",\"read\":false",
           NULL);
    expect(cli_run_env(utc, home, 0, "status", (char *)NULL), 0, "last upload         never", NULL);

    /* read by a short prefix, upper case accepted */
    char prefix[13];
    for (int i = 0; i < 12; i++)
        prefix[i] = (char)(in[i] >= 'a' ? in[i] - 32 : in[i]);
    prefix[12] = '\0';
    expect(cli_run(home, 0, "read", prefix, (char *)NULL), 0, in, NULL);
    r = cli_run_env(utc, home, 0, "inbox", (char *)NULL);
    CHECK(strstr(r.out, "received from alice  [read]"));
    proc_result_free(&r);
    expect(cli_run(home, 1, "inbox", (char *)NULL), 0, "\"direction\":\"received\",\"read\":true",
           NULL);
    free(home);
}

static void test_id_prefixes(void)
{
    char *home = new_home("carol", "carol");
    char a[65], b[65];
    add(home, "alice", "carol", "one", "2000000000", 1, a);
    add(home, "alice", "carol", "two", "2000000001", 1, b);
    /* give b the first 10 digits of a (ids are hashes: a real 8-digit clash needs ~65,000) */
    char db_path[4300], sql[512], b2[65];
    snprintf(b2, sizeof b2, "%.10s%s", a, b + 10);
    snprintf(db_path, sizeof db_path, "%s/cache.db", home);
    sqlite3 *db;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    snprintf(sql, sizeof sql, "UPDATE messages SET message_id = '%s' WHERE message_id = '%s'", b2,
             b);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_changes(db), 1);
    sqlite3_close(db);

    char p8[9], p12[13];
    snprintf(p8, sizeof p8, "%.8s", a);
    snprintf(p12, sizeof p12, "%.12s", a);
    proc_result_t r = cli_run(home, 0, "read", p8, (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(strstr(r.err, "matches 2 messages") && strstr(r.err, a) && strstr(r.err, b2));
    CHECK(r.out[0] == '\0');
    proc_result_free(&r);
    expect(cli_run(home, 1, "read", p8, (char *)NULL), 2, "{\"error\":{\"code\":\"ambiguous_id\"",
           NULL);
    expect(cli_run(home, 1, "read", p12, (char *)NULL), 0, a, NULL);
    expect(cli_run(home, 0, "read", "0123456", (char *)NULL), 2, NULL, "8 to 64 hex digits");
    expect(cli_run(home, 0, "read", "0123456z", (char *)NULL), 2, NULL, "8 to 64 hex digits");
    char absent[9] = "00000000";
    if (strncmp(a, absent, 8) == 0 || strncmp(b2, absent, 8) == 0)
        absent[0] = 'f';
    expect(cli_run(home, 0, "read", absent, (char *)NULL), 1, NULL,
           "no message whose id starts with");
    expect(cli_run(home, 1, "read", absent, (char *)NULL), 1, "{\"error\":{\"code\":\"unknown_id\"",
           NULL);
    free(home);
}

static void test_conversation_by_name(void)
{
    char *home = new_home("dave", "dave");
    char x[65];
    add(home, "alice", "dave", "from alice", "2000000000", 1, x);
    add(home, "erin", "dave", "from erin", "2000000001", 1, x);
    proc_result_t r = cli_run(home, 0, "inbox", "--conversation", "alice", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "from alice") && !strstr(r.out, "from erin"));
    proc_result_free(&r);
    expect(cli_run(home, 0, "inbox", "--conversation", "bad\x01name", (char *)NULL), 2, NULL,
           "control");
    free(home);
}

static void test_escaping(void)
{
    char *home = new_home("frank", "frank");
    char x[65];
    const char *evil = "red \x1b[31mALERT\x1b[0m \xe2\x80\xaegnp.exe\xe2\x81\xa6 tab\there \\ ok";
    const char *who = "mal\xe2\x80\xaelory";
    add(home, who, "frank", evil, "2000000000", 1, x);
    proc_result_t r = cli_run(home, 0, "inbox", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(!strchr(r.out, '\x1b') && !strstr(r.out, "\xe2\x80\xae") &&
          !strstr(r.out, "\xe2\x81\xa6") && !strchr(r.out, '\t'));
    CHECK(strstr(r.out, "red \\x1b[31mALERT\\x1b[0m \\u202egnp.exe\\u2066 tab\\there \\\\ ok"));
    CHECK(strstr(r.out, "received from mal\\u202elory"));
    proc_result_free(&r);
    /* JSON: the exact text, JSON-escaped (U+202E is valid JSON text and stays as it is) */
    expect(cli_run(home, 1, "inbox", (char *)NULL), 0,
           "\"text\":\"red \\u001b[31mALERT\\u001b[0m \xe2\x80\xaegnp.exe\xe2\x81\xa6 tab\\there "
           "\\\\ ok\"",
           NULL);
    free(home);
}

static pid_t start_node(char *addr)
{
    static int started;
    char log[4200];
    snprintf(log, sizeof log, "%s/node%d.log", root, started++); /* each node its own log */
    char *argv[] = {(char *)cli_path(), "node", "--bind", "127.0.0.1", "--port", "0", NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "listening on", 30);
    CHECK(text);
    char *p = strstr(text, "listening on ");
    CHECK(p && sscanf(p, "listening on %63s", addr) == 1);
    free(text);
    return pid;
}

static void test_send_and_delete(void)
{
    char addr[64];
    pid_t node = start_node(addr);
    char *home = new_home("gina", "gina");
    /* bad recipient names are usage errors, checked before anything is opened */
    expect(cli_run(home, 0, "--bootstrap", addr, "send", "bad\x01name", "hi", (char *)NULL), 2,
           NULL, "control");
    expect(cli_run(home, 0, "--bootstrap", addr, "send", "", "hi", (char *)NULL), 2, NULL, "name");
    expect(cli_run(home, 0, "--bootstrap", addr, "send", "a/b", "hi", (char *)NULL), 2, NULL,
           "'/'");

    char id[65];
    add(home, "gina", "gina", "note to self", "2000000000", 0, id);
    char p8[9];
    snprintf(p8, sizeof p8, "%.8s", id);
    proc_result_t r = cli_run(home, 0, "--bootstrap", addr, "delete", p8, (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strncmp(r.out, "deleted ", 8) == 0 && strstr(r.out, id));
    proc_result_free(&r);
    r = cli_run(home, 0, "--bootstrap", addr, "delete", id, (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "already deleted") && strncmp(r.out, "deleted ", 8) != 0);
    proc_result_free(&r);
    expect(cli_run(home, 1, "--bootstrap", addr, "delete", p8, (char *)NULL), 0, "\"already\":true",
           NULL);
    CHECK_EQ_INT(proc_stop(node, 20), 0);
    free(home);
}

/* watch prints an arrival with its text and names escaped too (issue 10 D9): two devices of
 * one identity, one watching, the other sending a hostile text to itself. With --log-passes
 * its passes are logged on stderr (docs/cli.md). */
static void test_watch_escapes(void)
{
    char addr[64];
    pid_t node = start_node(addr);
    char desk[4200], phone[4200], log[4200];
    snprintf(desk, sizeof desk, "%s/w-desk", root);
    snprintf(phone, sizeof phone, "%s/w-phone", root);
    snprintf(log, sizeof log, "%s/watch.log", root);
    expect(cli_run(desk, 0, "--bootstrap", addr, "init", "wendy", (char *)NULL), 0, NULL, NULL);
    proc_result_t r = cli_run(desk, 1, "link-code", "--passphrase", "correct horse", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char code[1024];
    CHECK(sscanf(r.out, "{\"code\":\"%1000[^\"]", code) == 1);
    proc_result_free(&r);
    expect(cli_run(phone, 0, "--bootstrap", addr, "join", code, "--passphrase", "correct horse",
                   (char *)NULL),
           0, NULL, NULL);
    char *argv[] = {(char *)cli_path(), "--home", phone, "--bootstrap", addr, "watch",
                    "--log-passes",     NULL};
    pid_t watch = proc_spawn(argv, log);
    CHECK(watch > 0);
    char *text = proc_wait_for_text(log, "watching", 60);
    CHECK(text);
    free(text);
    r = cli_run(desk, 1, "--bootstrap", addr, "send", "wendy",
                "hi \x1b[2J\xe2\x80\xae"
                "evil",
                (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char *p = strstr(r.out, "\"message_id\":\"");
    CHECK(p);
    char id[65];
    memcpy(id, p + 14, 64);
    id[64] = '\0';
    proc_result_free(&r);
    text = proc_wait_for_text(log, id, 60);
    CHECK_EQ_INT(proc_stop(watch, 20), 0);
    if (!text)
        text = proc_wait_for_text(log, "", 1);
    if (!text || !strstr(text, "hi \\x1b[2J\\u202eevil"))
        fprintf(stderr, "watch log: %s\n", text ? text : "(none)");
    CHECK(text && strstr(text, "from wendy to wendy: hi \\x1b[2J\\u202eevil\n"));
    CHECK(!strchr(text, '\x1b') && !strstr(text, "\xe2\x80\xae"));
    /* the first pass starts at once, from the node's routing table: the storage node */
    const char *start = strstr(text, "pass 1 start periodic t=");
    CHECK(start && strstr(start, addr));
    CHECK(strstr(text, "pass 1 days ") && strstr(text, "pass 1 end rc 0 "));
    free(text);
    CHECK_EQ_INT(proc_stop(node, 20), 0);
}

/* With an argument only the test of that name runs (to see one defect on an older binary). */
#define RUN_ONE(f)                                                                                 \
    do {                                                                                           \
        if (argc < 2 || strcmp(argv[1], #f) == 0)                                                  \
            RUN(f);                                                                                \
    } while (0)

int main(int argc, char **argv)
{
    root = test_tmpdir("clioutput");
    RUN_ONE(test_times_direction_read);
    RUN_ONE(test_id_prefixes);
    RUN_ONE(test_conversation_by_name);
    RUN_ONE(test_escaping);
    RUN_ONE(test_send_and_delete);
    RUN_ONE(test_watch_escapes);
    test_rmtree(root);
    free(root);
    return 0;
}
