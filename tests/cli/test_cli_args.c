/* The dnasync command line as a user expects it (issue 11 item 4): global options before or
 * after the command, --opt=value, --version / version, help [COMMAND] / COMMAND --help,
 * precise usage errors (exit 2), and with --json errors as one JSON object with a stable code. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *root;

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

/* A usage error: exit 2, one line "dnasync: ..." on stderr containing needle, nothing on stdout. */
static void usage_error(proc_result_t r, const char *needle)
{
    CHECK(r.out[0] == '\0');
    CHECK(strncmp(r.err, "dnasync: ", 9) == 0);
    CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);
    expect(r, 2, NULL, needle);
}

static void test_options_anywhere(void)
{
    char home[4200];
    snprintf(home, sizeof home, "%s/h1", root);
    expect(cli_run(home, 0, "init", "--offline", "alice", (char *)NULL), 0, "alice", NULL);
    /* after the command, and as --opt=value */
    expect(cli_run(NULL, 0, "status", "--home", home, "--json", (char *)NULL), 0,
           "\"name\":\"alice\"", NULL);
    char eq[4300];
    snprintf(eq, sizeof eq, "--home=%s", home);
    expect(cli_run(NULL, 0, eq, "status", (char *)NULL), 0, "identity            alice", NULL);
    expect(cli_run(NULL, 0, "inbox", "--limit=5", eq, (char *)NULL), 0, "no messages", NULL);
    expect(cli_run(home, 0, "cache-add", "--sender=bob", "--recipient=alice", "--text=hi --json",
                   "--synced", (char *)NULL),
           0, NULL, NULL);
    /* a value that looks like an option is still the value; -- ends the options */
    expect(cli_run(home, 1, "inbox", "--limit", "1", (char *)NULL), 0, "\"text\":\"hi --json\"",
           NULL);
    usage_error(cli_run(home, 0, "read", "--", "--share", "x", (char *)NULL),
                "unexpected argument 'x'");
}

static void test_help_and_version(void)
{
    proc_result_t a = cli_run(NULL, 0, "--help", (char *)NULL),
                  b = cli_run(NULL, 0, "help", (char *)NULL);
    CHECK_EQ_INT(a.exit_code, 0);
    CHECK_EQ_INT(b.exit_code, 0);
    CHECK_EQ_STR(a.out, b.out);
    CHECK(strstr(a.out, "  version ") && strstr(a.out, "--version"));
    proc_result_free(&a);
    proc_result_free(&b);
    a = cli_run(NULL, 0, "help", "inbox", (char *)NULL);
    b = cli_run(NULL, 0, "inbox", "--help", (char *)NULL);
    proc_result_t c = cli_run(NULL, 0, "-h", "inbox", (char *)NULL);
    CHECK_EQ_INT(a.exit_code, 0);
    CHECK_EQ_STR(a.out, b.out);
    CHECK_EQ_STR(a.out, c.out);
    CHECK(strstr(a.out, "usage: dnasync inbox") == a.out && strstr(a.out, "--limit N"));
    proc_result_free(&a);
    proc_result_free(&b);
    proc_result_free(&c);
    a = cli_run(NULL, 0, "--version", (char *)NULL);
    b = cli_run(NULL, 0, "version", (char *)NULL);
    CHECK_EQ_INT(a.exit_code, 0);
    CHECK(strncmp(a.out, "dnasync ", 8) == 0 && strchr(a.out, '.'));
    CHECK_EQ_STR(a.out, b.out);
    proc_result_free(&a);
    proc_result_free(&b);
    expect(cli_run(NULL, 1, "version", (char *)NULL), 0, "{\"version\":\"", NULL);
    usage_error(cli_run(NULL, 0, "help", "frob", (char *)NULL), "no command 'frob'");
}

static void test_usage_errors(void)
{
    char home[4200];
    snprintf(home, sizeof home, "%s/none", root);
    usage_error(cli_run(home, 0, "status", "--frob", (char *)NULL),
                "unknown option '--frob' for status");
    usage_error(cli_run(home, 0, "status", "--frob=1", (char *)NULL),
                "unknown option '--frob' for status");
    usage_error(cli_run(home, 0, "-x", "status", (char *)NULL), "unknown option '-x'");
    usage_error(cli_run(home, 0, "inbox", "--limit", (char *)NULL),
                "option --limit wants a value (N)");
    usage_error(cli_run(home, 0, "status", "--home", (char *)NULL),
                "option --home wants a value (DIR)");
    usage_error(cli_run(home, 0, "read", "--share=yes", "x", (char *)NULL),
                "--share takes no value");
    usage_error(cli_run(home, 0, "sync", "extra", (char *)NULL),
                "unexpected argument 'extra' for sync");
    usage_error(cli_run(home, 0, "send", "bob", (char *)NULL), "send wants RECIPIENT TEXT");
    usage_error(cli_run(home, 0, "--p", "1", "status", (char *)NULL), "ambiguous option '--p'");
    usage_error(cli_run(home, 0, (char *)NULL), "no command given");
    /* dnasync node: its own options only, checked the same way, --opt=value passed through */
    usage_error(cli_run(NULL, 0, "node", "--json", (char *)NULL),
                "unknown option '--json' for node");
    usage_error(cli_run(NULL, 0, "node", "--persist", (char *)NULL),
                "option --persist wants a value");
    expect(cli_run(NULL, 0, "node", "--port=70000", (char *)NULL), 2, NULL,
           "--port wants 0..65535");
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_json_errors(void)
{
    char home[4200];
    snprintf(home, sizeof home, "%s/none", root);
    /* usage error: code "usage", exit 2, the object alone on stdout, stderr empty */
    proc_result_t r = cli_run(home, 1, "frobnicate", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK_EQ_STR(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"unknown command 'frobnicate' "
                        "(see dnasync --help)\"}}\n");
    CHECK_EQ_STR(r.err, "");
    proc_result_free(&r);
    /* --json after the bad option still makes the error JSON */
    r = cli_run(home, 0, "status", "--frob", "--json", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(starts(r.out, "{\"error\":{\"code\":\"usage\","));
    proc_result_free(&r);
    /* a runtime failure: code "failed", exit 1 */
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(starts(r.out, "{\"error\":{\"code\":\"failed\",\"message\":\""));
    CHECK(strstr(r.out, "no dnasync home") && strstr(r.out, "\"}}\n"));
    CHECK_EQ_STR(r.err, "");
    proc_result_free(&r);
}

int main(void)
{
    root = test_tmpdir("cliargs");
    RUN(test_options_anywhere);
    RUN(test_help_and_version);
    RUN(test_usage_errors);
    RUN(test_json_errors);
    test_rmtree(root);
    free(root);
    return 0;
}
