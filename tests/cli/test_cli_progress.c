/* Catch-up progress of `dnasync sync` (issue 11 item 4) on real binaries and real nodes: 400
 * messages uploaded by one device in one pass (bundled: one value per shard they fall in, ~122,
 * and progress counts values), caught up by three new devices of the same identity: into a
 * pipe one line per report, ending at "N of N"; with --json {"progress":...} objects on stdout
 * before the result; on a terminal (a pty) one updating line that reaches "N of N" and ends
 * with a newline. */
#define _DEFAULT_SOURCE /* forkpty */
#include "check.h"
#include "cli_nodes.h"
#include "cli_run.h"
#include "dnasync/home.h"
#include "sync/sync_cache_add.h"
#include "testenv.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_MESSAGES 400

static cli_nodes_t nodes;

static void ok(proc_result_t r, const char *what)
{
    if (r.exit_code != 0)
        fprintf(stderr, "%s: exit %d: out=%s err=%s\n", what, r.exit_code, r.out, r.err);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
}

static proc_result_t dn(const char *home, int json, const char *a, const char *b, const char *c)
{
    return cli_run(home, json, "--bootstrap", nodes.boot[0], "--bootstrap", nodes.boot[1], a, b, c,
                   (char *)NULL);
}

/* The last "catching up: D of T values" in text: D and T, and what follows it. */
static const char *last_report(const char *text, size_t *done, size_t *total)
{
    const char *last = NULL;
    for (const char *p = text; (p = strstr(p, "catching up: ")); p++)
        last = p;
    CHECK(last);
    CHECK(sscanf(last, "catching up: %zu of %zu values", done, total) == 2);
    return strstr(last, "values") + 6;
}

/* sync under a pseudo-terminal; returns everything it wrote there (malloc'd). */
static char *sync_on_pty(const char *home)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    CHECK(pid >= 0);
    if (pid == 0) {
        execl(cli_path(), cli_path(), "--home", home, "--bootstrap", nodes.boot[0], "--bootstrap",
              nodes.boot[1], "sync", (char *)NULL);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = calloc(1, cap);
    CHECK(buf);
    for (int i = 0; i < 1200; i++) { /* bounded: 1200 x 100 ms */
        struct pollfd pf = {master, POLLIN, 0};
        int pr = poll(&pf, 1, 100);
        if (pr <= 0)
            continue;
        ssize_t n = read(master, buf + len, cap - 1 - len);
        if (n <= 0)
            break; /* EIO: the child closed the terminal */
        len += (size_t)n;
        CHECK(len < cap - 1);
    }
    /* the terminal closes a moment before the process is gone: wait for it, bounded */
    int status = 0;
    pid_t w = 0;
    for (int i = 0; i < 600 && (w = waitpid(pid, &status, WNOHANG)) == 0; i++)
        poll(NULL, 0, 100);
    if (w != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        FAIL("sync on the pty did not finish");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "sync on the pty: status %d: %s\n", status, buf);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(master);
    buf[len] = '\0';
    return buf;
}

int main(void)
{
    char *dir = test_tmpdir("cli-progress");
    cli_nodes_start(&nodes, 2, dir);
    char home[4][4200];
    for (int i = 0; i < 4; i++)
        snprintf(home[i], sizeof home[i], "%s/dev%d", dir, i);
    ok(dn(home[0], 0, "init", "alice", NULL), "init");
    /* into the cache through the library (what `cache-add` does, without 400 processes) */
    dnasync_home_options_t opt = {.network = false};
    dnasync_home_t *h = NULL;
    char err[512];
    if (dnasync_home_open(home[0], &opt, &h, err, sizeof err) != 0)
        fprintf(stderr, "open %s: %s\n", home[0], err);
    CHECK(h);
    for (int i = 0; i < N_MESSAGES; i++) {
        char text[32], id[DNASYNC_ID_HEX_LEN + 1];
        snprintf(text, sizeof text, "note %d", i);
        CHECK_EQ_INT(
            sync_cache_add_text(dnasync_home_sync(h), "alice", "alice", text, 0, false, id), 0);
    }
    dnasync_home_free(h);
    ok(dn(home[0], 0, "sync", NULL, NULL), "upload");
    proc_result_t r =
        cli_run(home[0], 1, "link-code", "--passphrase", "correct horse", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    char code[1024];
    CHECK(sscanf(r.out, "{\"code\":\"%1000[^\"]", code) == 1);
    proc_result_free(&r);
    for (int i = 1; i < 4; i++)
        ok(dn(home[i], 0, "join", code, "--passphrase=correct horse"), "join");

    /* into a pipe: one line per report, the last one "N of N", no carriage return */
    r = dn(home[1], 0, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    size_t done = 0, total = 0;
    const char *after = last_report(r.err, &done, &total);
    if (done != total || total < 100 || *after != '\n' || strchr(r.err, '\r'))
        fprintf(stderr, "pipe stderr: %s\n", r.err);
    CHECK(total >= 100 && done == total && *after == '\n' && !strchr(r.err, '\r'));
    CHECK(strncmp(r.err, "dnasync: catching up: ", 22) == 0);
    proc_result_free(&r);

    /* --json: progress objects on stdout, then the result; "N of N" */
    r = dn(home[2], 1, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strncmp(r.out, "{\"progress\":{\"step\":\"catching up\",\"done\":", 41) == 0);
    char final[96];
    snprintf(final, sizeof final,
             "{\"progress\":{\"step\":\"catching up\",\"done\":%zu,\"total\":%zu}}\n", total,
             total);
    char *fin = strstr(r.out, final), *result = strstr(r.out, "{\"uploaded\":");
    if (!fin || !result || fin > result)
        fprintf(stderr, "json stdout: %s\n", r.out);
    CHECK(fin && result && fin < result);
    CHECK(!strstr(r.err, "catching up"));
    proc_result_free(&r);

    /* a terminal: one line redrawn with \r, reaching N of N, ended by a newline */
    char *tty = sync_on_pty(home[3]);
    size_t tdone = 0, ttotal = 0;
    after = last_report(tty, &tdone, &ttotal);
    if (tdone != ttotal || strncmp(after, "\033[K\r\n", 5) != 0)
        fprintf(stderr, "pty output: %s\n", tty);
    CHECK(ttotal >= 100 && tdone == ttotal);
    CHECK(strncmp(after, "\033[K\r\n", 5) == 0); /* the pty turns \n into \r\n */
    CHECK(strstr(tty, "\rdnasync: catching up: "));
    free(tty);

    cli_nodes_stop(&nodes);
    test_rmtree(dir);
    free(dir);
    return 0;
}
