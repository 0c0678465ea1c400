/* Running a dnasync command line inside the daemon (exec.h). The command is parsed by the
 * CLI's own parser and run by its own function (cmd_*.c), so its output and exit code are the
 * ones the same command gives in its own process; cli_open_home hands it the daemon's home.
 * What it prints is captured by pointing fds 1 and 2 at two memory files for the call: the
 * daemon's own log writes to a separate dup of stderr (log.c), and calls are serialised. */
#define _GNU_SOURCE /* memfd_create */
#include "daemon/exec.h"

#include "cli/args.h"
#include "cli/cli.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_ARGS 64
#define MAX_CAPTURE (64u << 20) /* bytes of output one command may return */

static int cap_out = -1, cap_err = -1, saved_out = -1, saved_err = -1;

int exec_init(void)
{
    cap_out = memfd_create("dnasync-out", MFD_CLOEXEC);
    cap_err = memfd_create("dnasync-err", MFD_CLOEXEC);
    saved_out = fcntl(1, F_DUPFD_CLOEXEC, 0);
    saved_err = fcntl(2, F_DUPFD_CLOEXEC, 0);
    return cap_out >= 0 && cap_err >= 0 && saved_out >= 0 && saved_err >= 0 ? 0 : -1;
}

bool exec_routable(const char *command)
{
    static const char *const ok[] = {"send",  "sync",      "inbox",    "read",   "delete", "status",
                                     "prune", "cache-add", "contacts", "verify", NULL};
    for (size_t i = 0; ok[i]; i++)
        if (strcmp(ok[i], command) == 0)
            return true;
    return false;
}

/* The whole of a capture file, then emptied for the next call. */
static char *take(int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    if (n < 0 || (size_t)n > MAX_CAPTURE)
        n = 0;
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        return NULL;
    size_t got = 0;
    while (got < (size_t)n) {
        ssize_t r = pread(fd, buf + got, (size_t)n - got, (off_t)got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    if (ftruncate(fd, 0) != 0)
        buf[0] = '\0'; /* never hand on a half-emptied file's bytes twice */
    lseek(fd, 0, SEEK_SET);
    return buf;
}

/* Parse and run, as main() does for a routable command. */
static int run(dnasync_home_t *home, const char *dir, int argc, char **argv)
{
    cli_t cli;
    memset(&cli, 0, sizeof cli);
    snprintf(cli.home, sizeof cli.home, "%s", dir);
    cli.prog = argv[0];
    cli.daemon_home = home;
    cli_set_json_errors(false); /* cli_parse turns it on when --json is given */
    cli_parsed_t p;
    int rc = cli_parse(&cli, argc, argv, &p);
    if (rc == CLI_OK) {
        /* link-code too, when it need not ask the daemon's terminal for the passphrase */
        bool ok = p.cmd && (exec_routable(p.cmd->name) || (strcmp(p.cmd->name, "link-code") == 0 &&
                                                           cli_opt(&p.args, "passphrase")));
        if (p.help || p.version || p.generate || !ok) {
            rc = cli_error(CLI_USAGE, "%s does not run through the daemon",
                           p.cmd ? p.cmd->name : "this");
        } else {
            cli.command = p.cmd->name;
            rc = p.cmd->run(&cli, &p.args);
        }
    }
    cli_parsed_free(&p);
    cli_set_json_errors(false);
    return rc;
}

int exec_command(dnasync_home_t *home, const char *dir, size_t argc, const char *const *args,
                 exec_result_t *res)
{
    memset(res, 0, sizeof *res);
    if (argc + 2 > MAX_ARGS)
        return -1;
    char *argv[MAX_ARGS];
    argv[0] = "dnasync";
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    argv[argc + 1] = NULL;
    fflush(stdout);
    fflush(stderr);
    if (dup2(cap_out, 1) < 0 || dup2(cap_err, 2) < 0)
        return -1;
    res->exit_code = run(home, dir, (int)argc + 1, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    res->out = take(cap_out);
    res->err = take(cap_err);
    if (!res->out || !res->err) {
        exec_result_free(res);
        return -1;
    }
    return 0;
}

void exec_result_free(exec_result_t *res)
{
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}
