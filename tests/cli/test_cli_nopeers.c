/* A home that knows no other DHT node (issue 10, D6): `send` and `sync` say so and exit 1, the
 * message stays pending (never marked synced by a lone node confirming its own put), no day is
 * verified; a send to a recipient whose key is not pinned names the missing peers, not a missing
 * identity; once a node is given, the same message goes out. Real binary, real `dnasync node`. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_nodes.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long json_num(const char *out, const char *field)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", field);
    const char *p = strstr(out, pat);
    CHECK(p != NULL);
    return strtol(p + strlen(pat), NULL, 10);
}

static void expect_no_peers(proc_result_t r, const char *what)
{
    /* with --json the error is an object on stdout, else a line on stderr */
    if (r.exit_code != 1 || !strstr(r.out, "no other DHT node is known (no bootstrap node")) {
        fprintf(stderr, "%s: expected exit 1 naming the missing peers, got %d: out=%s err=%s\n",
                what, r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

int main(void)
{
    char *dir = test_tmpdir("nopeers");
    char home[4200];
    snprintf(home, sizeof home, "%s/alice", dir);
    proc_result_t r =
        cli_run(home, 1, "init", "--offline", "alice", (char *)NULL); /* no --bootstrap */
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);

    /* a note to self needs no key from the network: only the upload can fail */
    expect_no_peers(cli_run(home, 1, "send", "alice", "to myself", (char *)NULL), "send");
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK_EQ_INT(json_num(r.out, "pending_uploads"), 1); /* stored, still pending */
    CHECK_EQ_INT(json_num(r.out, "verified_days"), 0);
    proc_result_free(&r);
    /* a recipient whose key is not pinned: the missing peers are the reason, not a missing
     * identity (nobody could be asked); nothing is stored */
    expect_no_peers(cli_run(home, 1, "send", "bob", "to someone unknown", (char *)NULL),
                    "send bob");
    r = cli_run(home, 0, "send", "bob", "to someone unknown", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "no other DHT node is known") && !strstr(r.err, "no identity"));
    proc_result_free(&r);
    expect_no_peers(cli_run(home, 1, "sync", (char *)NULL), "sync");
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(json_num(r.out, "pending_uploads"), 1);
    CHECK_EQ_INT(json_num(r.out, "verified_days"), 0);
    proc_result_free(&r);

    /* given a node, the kept message goes out */
    cli_nodes_t nodes;
    cli_nodes_start(&nodes, 1, dir);
    r = cli_run(home, 1, "--bootstrap", nodes.boot[0], "sync", (char *)NULL);
    if (r.exit_code != 0)
        fprintf(stderr, "sync with a node: %s%s\n", r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK_EQ_INT(json_num(r.out, "uploaded"), 1);
    CHECK_EQ_INT(json_num(r.out, "pending_uploads"), 0);
    proc_result_free(&r);
    cli_nodes_stop(&nodes);
    test_rmtree(dir);
    free(dir);
    return 0;
}
