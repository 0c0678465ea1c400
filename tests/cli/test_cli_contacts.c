/* dnasync contacts and verify on real binaries and real `dnasync node`s: a pin made by a send
 * is listed with its fingerprint (the contact's own), both sides print the same safety number,
 * --confirm marks it verified, a wrong fingerprint is refused, JSON forms (docs/trust.md). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_nodes.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cli_nodes_t nodes;

/* dnasync --home H [--json] --bootstrap B ARGS... (up to 3 args) */
static proc_result_t dn(const char *home, int json, const char *a, const char *b, const char *c)
{
    proc_result_t r = cli_run(home, json, "--bootstrap", nodes.boot[0], "--bootstrap",
                              nodes.boot[1], a, b, c, (char *)NULL);
    return r;
}

static void ok(proc_result_t r)
{
    if (r.exit_code != 0)
        fprintf(stderr, "exit %d: out=%s err=%s\n", r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

/* The value of "key":"..." in a JSON line (static buffer). */
static const char *field(const char *json, const char *key)
{
    static char out[256];
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    CHECK(p != NULL);
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    CHECK(n < sizeof out);
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

int main(void)
{
    char *dir = test_tmpdir("cli-contacts");
    cli_nodes_start(&nodes, 2, dir);
    char alice[4200], bob[4200];
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    ok(dn(alice, 0, "init", "alice", NULL));
    ok(dn(bob, 0, "init", "bob", NULL));
    ok(dn(alice, 0, "sync", NULL, NULL));
    ok(dn(bob, 0, "sync", NULL, NULL));

    /* each identity's own fingerprint */
    proc_result_t r = cli_run(bob, 1, "contacts", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"self\":true"));
    char bob_fp[65], alice_fp[65];
    snprintf(bob_fp, sizeof bob_fp, "%s", field(r.out, "fingerprint"));
    CHECK_EQ_INT(strlen(bob_fp), 64);
    proc_result_free(&r);
    r = cli_run(alice, 1, "contacts", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    snprintf(alice_fp, sizeof alice_fp, "%s", field(r.out, "fingerprint"));
    CHECK(strchr(r.out, '\n') == r.out + strlen(r.out) - 1); /* no pins yet: only alice */
    proc_result_free(&r);

    /* a send pins bob; contacts lists him, unverified, with bob's own fingerprint */
    ok(dn(alice, 0, "send", "bob", "hi bob"));
    r = cli_run(alice, 0, "contacts", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char line[200];
    snprintf(line, sizeof line, "unverified %s  bob", bob_fp);
    CHECK(strstr(r.out, line));
    proc_result_free(&r);

    /* both sides compute the same safety number (bob pins alice on the way) */
    r = dn(alice, 1, "verify", "bob", NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char safety[80];
    snprintf(safety, sizeof safety, "%s", field(r.out, "safety_number"));
    CHECK_EQ_INT(strlen(safety), 71);
    CHECK(strcmp(field(r.out, "fingerprint"), bob_fp) == 0);
    CHECK(strcmp(field(r.out, "own_fingerprint"), alice_fp) == 0);
    CHECK(strstr(r.out, "\"verified\":false"));
    proc_result_free(&r);
    r = dn(bob, 1, "verify", "alice", NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK_EQ_STR(field(r.out, "safety_number"), safety);
    proc_result_free(&r);
    r = dn(bob, 0, "verify", "alice", NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "safety number:") && strstr(r.out, "--confirm"));
    char first[36];
    snprintf(first, sizeof first, "%.35s", safety);
    CHECK(strstr(r.out, first)); /* the digits, in two rows of six groups */
    proc_result_free(&r);

    /* a fingerprint that is not the pinned one is refused; a bad one is a usage error */
    char wrong[32];
    snprintf(wrong, sizeof wrong, "bob#%.8s", alice_fp);
    r = dn(alice, 0, "verify", wrong, NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "pinned to the key with fingerprint"));
    proc_result_free(&r);
    r = dn(alice, 0, "verify", "bob#12", NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(strstr(r.err, "8 to 64 hex digits"));
    proc_result_free(&r);
    r = dn(alice, 0, "verify", "alice", NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    proc_result_free(&r);

    /* --confirm with the right prefix: verified from now on, in both forms */
    char right[32];
    snprintf(right, sizeof right, "bob#%.12s", bob_fp);
    r = dn(alice, 1, "verify", right, "--confirm");
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"verified\":true"));
    proc_result_free(&r);
    r = cli_run(alice, 1, "contacts", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"name\":\"bob\"") && strstr(r.out, "\"verified\":true"));
    proc_result_free(&r);
    r = cli_run(alice, 0, "contacts", (char *)NULL);
    snprintf(line, sizeof line, "verified   %s  bob", bob_fp);
    CHECK(strstr(r.out, line));
    proc_result_free(&r);

    cli_nodes_stop(&nodes);
    test_rmtree(dir);
    free(dir);
    return 0;
}
