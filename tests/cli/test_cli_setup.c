/* Issue 11 items 1-3, the first hour of a new user, on real binaries and real `dnasync node`s:
 * init and join use and remember --bootstrap, publish the identity and read it back (so a send
 * right after the recipient's init works); with no network they fail and create nothing;
 * --offline makes a local-only home published by its first sync with a node; bootstrap
 * addresses are checked before they are saved and a bad saved one never bricks the home;
 * config / bootstrap add|remove|list; a config line over 511 bytes; init of a name another key
 * claims is refused. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_nodes.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cli_nodes_t nodes;
static char *dir;

static char *home_of(const char *name)
{
    char *p = malloc(4200);
    snprintf(p, 4200, "%s/%s", dir, name);
    return p;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *slurp(const char *home, const char *file)
{
    char p[4300];
    snprintf(p, sizeof p, "%s/%s", home, file);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void expect(proc_result_t r, int code, const char *needle)
{
    if (r.exit_code != code || (needle && !strstr(code ? r.err : r.out, needle))) {
        fprintf(stderr, "expected exit %d with '%s', got %d: out=%s err=%s\n", code,
                needle ? needle : "", r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

/* 1. init remembers --bootstrap and publishes: a send right after the recipient's init works,
 * and later commands need no --bootstrap. */
static void test_init_publishes(void)
{
    char *alice = home_of("alice"), *bob = home_of("bob");
    expect(cli_run(alice, 0, "--bootstrap", nodes.boot[0], "init", "alice", (char *)NULL), 0,
           "alice");
    char *cfg = slurp(alice, "config");
    char line[100];
    snprintf(line, sizeof line, "bootstrap=%s\n", nodes.boot[0]);
    if (!cfg || !strstr(cfg, line))
        fprintf(stderr, "alice's config after init --bootstrap: %s\n", cfg ? cfg : "(none)");
    CHECK(cfg && strstr(cfg, line));
    free(cfg);
    expect(cli_run(bob, 0, "--bootstrap", nodes.boot[1], "init", "bob", (char *)NULL), 0,
           "published");
    /* bob never ran sync: his record is on the DHT already */
    expect(cli_run(alice, 1, "send", "bob", "hello bob", (char *)NULL), 0, "message_id");
    expect(cli_run(bob, 1, "sync", (char *)NULL), 0, "\"downloaded\":1");
    free(alice);
    free(bob);
}

/* 2. No network: a clear error and no home; --offline: a local-only home, published later. */
static void test_no_network(void)
{
    char *carol = home_of("carol"), *dave = home_of("dave");
    expect(cli_run(carol, 0, "init", "carol", (char *)NULL), 1, "needs a bootstrap node");
    CHECK(!exists(carol));
    expect(cli_run(carol, 0, "--bootstrap", "127.0.0.1:9", "init", "carol", (char *)NULL), 1,
           "cannot reach any DHT node");
    CHECK(!exists(carol));
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s/.carol.dnasync-new", dir);
    CHECK(!exists(tmp));
    /* an empty directory may be the home; a failure leaves it empty */
    CHECK(mkdir(carol, 0700) == 0);
    expect(cli_run(carol, 0, "--bootstrap", "127.0.0.1:9", "init", "carol", (char *)NULL), 1, NULL);
    CHECK(exists(carol));
    /* what a killed init leaves (its temporary directory) is cleared by the next one */
    CHECK(mkdir(tmp, 0700) == 0);
    char junk[4400];
    snprintf(junk, sizeof junk, "%s/identity", tmp);
    FILE *f = fopen(junk, "w");
    CHECK(f != NULL);
    fclose(f);
    expect(cli_run(carol, 0, "--bootstrap", nodes.boot[0], "init", "carol", (char *)NULL), 0,
           "published");
    CHECK(!exists(tmp));

    expect(cli_run(dave, 0, "init", "dave", "--offline", (char *)NULL), 0, "offline");
    /* local-only: its lone node confirms nothing (issue 10 D6), and says so */
    expect(cli_run(dave, 0, "sync", (char *)NULL), 1, "no other DHT node is known");
    char *alice = home_of("alice");
    expect(cli_run(alice, 0, "send", "dave", "too early", (char *)NULL), 1, "no identity 'dave'");
    /* the first sync with a node publishes it */
    expect(cli_run(dave, 0, "--bootstrap", nodes.boot[0], "sync", (char *)NULL), 0, "uploaded");
    expect(cli_run(alice, 0, "send", "dave", "hello dave", (char *)NULL), 0, NULL);
    free(alice);
    free(carol);
    free(dave);
}

/* 3. Bootstrap addresses: checked before saved; a bad saved one never bricks the home. */
static void test_bootstrap_checks(void)
{
    char *alice = home_of("alice");
    char *before = slurp(alice, "config");
    expect(cli_run(alice, 0, "--bootstrap", "nohost:abc", "sync", (char *)NULL), 2, "port");
    expect(cli_run(alice, 0, "--bootstrap", "nohost.invalid:4222", "sync", (char *)NULL), 1,
           "cannot resolve");
    char *after = slurp(alice, "config");
    CHECK_EQ_STR(after, before); /* nothing saved */
    free(after);
    expect(cli_run(alice, 0, "sync", (char *)NULL), 0, "uploaded");

    /* a bad line saved by hand (or by an older dnasync): ignored, shown, removable */
    char p[4300];
    snprintf(p, sizeof p, "%s/config", alice);
    FILE *f = fopen(p, "a");
    CHECK(f != NULL);
    fputs("bootstrap=nohost:abc\nbootstrap=gone.invalid:4222\n", f);
    fclose(f);
    expect(cli_run(alice, 0, "sync", (char *)NULL), 0, "uploaded");
    expect(cli_run(alice, 0, "config", (char *)NULL), 0, "ignored    nohost:abc");
    expect(
        cli_run(alice, 0, "bootstrap", "remove", "nohost:abc", "gone.invalid:4222", (char *)NULL),
        0, NULL);
    after = slurp(alice, "config");
    CHECK(!strstr(after, "nohost") && !strstr(after, "gone.invalid"));
    free(after);

    /* bootstrap add: tried first, all or nothing */
    expect(cli_run(alice, 0, "bootstrap", "add", nodes.boot[1], "127.0.0.1:9", (char *)NULL), 1,
           "no DHT node answered at 127.0.0.1:9");
    after = slurp(alice, "config");
    CHECK(!strstr(after, nodes.boot[1]));
    free(after);
    expect(cli_run(alice, 0, "bootstrap", "add", nodes.boot[1], (char *)NULL), 0, nodes.boot[1]);
    char want[200];
    snprintf(want, sizeof want, "\"bootstrap\":[\"%s\",\"%s\"]", nodes.boot[0], nodes.boot[1]);
    expect(cli_run(alice, 1, "bootstrap", "list", (char *)NULL), 0, want);
    expect(cli_run(alice, 1, "config", (char *)NULL), 0, "\"name\":\"alice\"");
    expect(cli_run(alice, 0, "bootstrap", "remove", "127.0.0.1:9", (char *)NULL), 1, "not a saved");
    expect(cli_run(alice, 0, "bootstrap", "frob", (char *)NULL), 2, "add, remove or list");

    /* no bootstrap node left: network commands say so instead of running alone */
    expect(cli_run(alice, 0, "bootstrap", "remove", nodes.boot[0], nodes.boot[1], (char *)NULL), 0,
           "no bootstrap node");
    expect(cli_run(alice, 0, "sync", (char *)NULL), 1, "no bootstrap node known");
    expect(cli_run(alice, 0, "send", "bob", "x", (char *)NULL), 1, "no bootstrap node known");
    expect(cli_run(alice, 0, "bootstrap", "add", nodes.boot[0], (char *)NULL), 0, NULL);
    expect(cli_run(alice, 0, "sync", (char *)NULL), 0, "uploaded");
    free(before);
    free(alice);
}

/* 4. A config line over 511 bytes, and binary junk: precise, printable errors. */
static void test_config_lines(void)
{
    char *h = home_of("erin-offline");
    expect(cli_run(h, 0, "init", "erin", "--offline", (char *)NULL), 0, NULL);
    char p[4300];
    snprintf(p, sizeof p, "%s/config", h);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    fputs("profile=desktop\nbootstrap=", f);
    for (int i = 0; i < 600; i++)
        fputc(i % 2 ? 0x01 : 0xff, f);
    fputs("\n", f);
    fclose(f);
    proc_result_t r = cli_run(h, 0, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "line 2 is 610 bytes long, the limit is 511"));
    for (const char *c = r.err; *c; c++)
        CHECK(*c == '\n' || (*c >= 0x20 && *c < 0x7f));
    proc_result_free(&r);
    f = fopen(p, "w");
    CHECK(f != NULL);
    fputs("\x01\x02junk\xff=1\n", f);
    fclose(f);
    r = cli_run(h, 0, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "line 1: unknown setting '\\x01\\x02junk\\xff'"));
    proc_result_free(&r);
    free(h);
}

/* 5. A name another key already claims is refused by init; the home is not created. */
static void test_name_claimed(void)
{
    char *first = home_of("bob-2");
    proc_result_t r = cli_run(first, 0, "--bootstrap", nodes.boot[1], "init", "bob", (char *)NULL);
    if (r.exit_code == 0)
        fprintf(stderr, "a second 'init bob' on another home succeeded: %s", r.out);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "'bob' is already claimed on the DHT by another key"));
    CHECK(strstr(r.err, "days ago"));
    proc_result_free(&r);
    CHECK(!exists(first));
    /* bob's own fingerprint is the one named */
    char *bob = home_of("bob");
    r = cli_run(bob, 1, "contacts", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char fp[17];
    const char *at = strstr(r.out, "\"fingerprint\":\"");
    CHECK(at != NULL);
    snprintf(fp, sizeof fp, "%.16s", at + 15);
    proc_result_free(&r);
    r = cli_run(first, 1, "--bootstrap", nodes.boot[0], "init", "bob", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.out, "\"code\":\"name_claimed\"") && strstr(r.out, fp));
    proc_result_free(&r);
    free(bob);
    free(first);
}

/* 6. join remembers --bootstrap and republishes; a failed join creates nothing. */
static void test_join(void)
{
    char *alice = home_of("alice"), *phone = home_of("alice-phone");
    proc_result_t r = cli_run(alice, 1, "link-code", "--passphrase", "correct horse", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char code[2048];
    const char *at = strstr(r.out, "\"code\":\"");
    CHECK(at != NULL);
    snprintf(code, sizeof code, "%s", at + 8);
    code[strcspn(code, "\"")] = '\0';
    proc_result_free(&r);
    expect(cli_run(phone, 0, "join", code, "--passphrase", "correct horse", (char *)NULL), 1,
           "needs a bootstrap node");
    CHECK(!exists(phone));
    expect(cli_run(phone, 0, "--bootstrap", nodes.boot[1], "join", code, "--passphrase",
                   "correct horse", (char *)NULL),
           0, "alice");
    char *cfg = slurp(phone, "config");
    CHECK(cfg && strstr(cfg, nodes.boot[1]));
    free(cfg);
    expect(cli_run(phone, 0, "sync", (char *)NULL), 0, "uploaded");
    free(alice);
    free(phone);
}

/* A relative --home (the parent is the working directory, or a relative folder): init used to
 * write into the static string dirname() returns for a path without '/' and crashed. */
static void test_relative_home(void)
{
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    expect(cli_run("erin", 0, "--bootstrap", nodes.boot[0], "init", "erin", (char *)NULL), 0,
           "published");
    expect(cli_run("sub/frank", 0, "--bootstrap", nodes.boot[0], "init", "frank", (char *)NULL), 0,
           "published");
    expect(cli_run("erin", 1, "send", "frank", "relative homes", (char *)NULL), 0, "message_id");
    CHECK(chdir(cwd) == 0);
}

int main(void)
{
    dir = test_tmpdir("cli-setup");
    cli_nodes_start(&nodes, 2, dir);
    RUN(test_init_publishes);
    RUN(test_no_network);
    RUN(test_bootstrap_checks);
    RUN(test_config_lines);
    RUN(test_name_claimed);
    RUN(test_join);
    RUN(test_relative_home);
    cli_nodes_stop(&nodes);
    test_rmtree(dir);
    free(dir);
    return 0;
}
