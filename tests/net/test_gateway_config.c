/* `--gateway URL` without any gateway running: it is checked, remembered in <home>/config in the
 * order given, used by one-shot commands (which then start no DHT node) and reported clearly when
 * nothing answers; a damaged gateway line in the config is named by file and line. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

int main(void)
{
    char *dir = test_tmpdir("gwconf");
    char home[4200], config[4300], dht[4300];
    snprintf(home, sizeof home, "%s/alice", dir);
    snprintf(config, sizeof config, "%s/config", home);
    snprintf(dht, sizeof dht, "%s/dht", home);
    proc_result_t r = cli_run(home, 1, "init", "--offline", "alice", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);
    char *initial = strdup(read_file(config)); /* profile and offline=yes */

    /* not a URL: usage error, nothing written */
    r = cli_run(home, 0, "--gateway", "ftp://127.0.0.1:1", "sync", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(strstr(r.err, "--gateway") && strstr(r.err, "http://"));
    proc_result_free(&r);
    struct stat st;
    CHECK_EQ_STR(read_file(config), initial);
    free(initial);

    /* nothing listens on port 1 (nor 2): the sync fails and names the gateway it tried */
    r = cli_run(home, 0, "--gateway", "http://127.0.0.1:1", "--gateway", "http://127.0.0.1:2/",
                "sync", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "gateway http://127.0.0.1:"));
    proc_result_free(&r);
    const char *text = read_file(config);
    const char *a = strstr(text, "gateway=http://127.0.0.1:1\n");
    const char *b = strstr(text, "gateway=http://127.0.0.1:2/\n");
    CHECK(a && b && a < b);     /* remembered, in failover order */
    CHECK(stat(dht, &st) != 0); /* no DHT node was ever started in this home */

    /* remembered: the next one-shot command goes through them without being told */
    r = cli_run(home, 0, "sync", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "gateway http://127.0.0.1:"));
    proc_result_free(&r);
    CHECK(stat(dht, &st) != 0);

    /* a command that needs no network still works */
    r = cli_run(home, 1, "status", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    proc_result_free(&r);

    /* a damaged line is named, and the file is left as it was */
    FILE *f = fopen(config, "a");
    CHECK(f);
    fputs("gateway=not a url\n", f);
    fclose(f);
    char before[4096];
    snprintf(before, sizeof before, "%s", read_file(config));
    r = cli_run(home, 0, "sync", (char *)NULL);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "config line") && strstr(r.err, "http://"));
    proc_result_free(&r);
    CHECK_EQ_STR(read_file(config), before);

    test_rmtree(dir);
    free(dir);
    return 0;
}
