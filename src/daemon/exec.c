/* Running a dnasync command line inside the daemon (exec.h). The command is parsed by the
 * CLI's own parser and run by its own function (cmd_*.c), so its output and exit code are the
 * ones the same command gives in its own process; cli_open_home hands it the daemon's home.
 * What it prints is captured by pointing fds 1 and 2 at two memory files for the call: the
 * daemon's own log writes to a separate dup of stderr (log.c), and calls are serialised. */
#define _GNU_SOURCE /* memfd_create */
#include "daemon/exec.h"

#include "cli/args.h"
#include "cli/cli.h"
#include "dht/dht.h"
#include "sync/home_int.h"

#include <fcntl.h>
#include <stdbool.h>
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

/* --gateway asks for what the daemon has only when the daemon reaches the DHT through exactly
 * these gateways in this order (the failover order). Running the command in-process instead
 * would make two sync engines write as this one device. */
static int check_gateways(const dnasync_home_t *home, const cli_t *cli, long pid)
{
    const home_config_t *cfg = &home->config;
    bool via = strcmp(dnasync_home_transport(home), "gateway") == 0;
    bool same = via && cfg->n_gateway == cli->n_gateway;
    for (size_t i = 0; same && i < cli->n_gateway; i++)
        same = strcmp(cfg->gateway[i], cli->gateway[i]) == 0;
    if (same)
        return CLI_OK;
    if (!via)
        return cli_error(CLI_USAGE,
                         "--gateway %s: the daemon of this home (pid %ld) runs its own DHT node "
                         "and a command sent to it cannot go through a gateway; leave out "
                         "--gateway (the command then runs on the daemon's node), or stop the "
                         "daemon to run it in-process through the gateway",
                         cli->gateway[0], pid);
    return cli_error(CLI_USAGE,
                     "--gateway %s: the daemon of this home (pid %ld) reaches the DHT through %s%s "
                     "and a command sent to it cannot change that; leave out --gateway, or stop "
                     "the daemon and run the command (or restart the daemon) with the gateways "
                     "you want",
                     cli->gateway[0], pid, cfg->gateway[0],
                     cfg->n_gateway > 1 ? " (then the other gateways of the home's config)" : "");
}

/* The global options of a command sent to the daemon describe the node and profile of a
 * process of its own. The daemon's are fixed while it runs: an option that asks for what it
 * already has is fine; anything else is refused (exit 2), never silently ignored. */
static int check_globals(dnasync_home_t *home, const cli_t *cli)
{
    long pid = (long)getpid();
    const char *profile = dnasync_home_profile(home);
    if (cli->profile && strcmp(cli->profile, profile) != 0)
        return cli_error(
            CLI_USAGE,
            "--profile %s: the daemon of this home (pid %ld) runs the %s profile and a "
            "command sent to it cannot change that; stop the daemon or restart it "
            "with --profile %s",
            cli->profile, pid, profile, cli->profile);
    dht_storage_stats_t st;
    memset(&st, 0, sizeof st);
    dht_storage_context_t *dht = dnasync_home_dht(home);
    if (cli->port && (!dht || dht_storage_stats(dht, &st) != 0 || st.port != cli->port))
        return cli_error(
            CLI_USAGE,
            "--port %d: the daemon of this home (pid %ld) runs %s%u and a command sent "
            "to it cannot change that; stop the daemon or restart it with --port %d",
            cli->port, pid, dht ? "its DHT node on port " : "no DHT node", st.port, cli->port);
    dnasync_home_settings_t set;
    dnasync_home_settings(home, &set);
    for (size_t i = 0; i < cli->n_bootstrap; i++) {
        bool known = false;
        for (size_t k = 0; k < set.n_bootstrap && !known; k++)
            known = strcmp(set.bootstrap[k], cli->bootstrap[i]) == 0;
        if (!known)
            return cli_error(
                CLI_USAGE,
                "--bootstrap %s: the DHT node of this home's daemon (pid %ld) does not "
                "know that node and a command sent to it cannot add it; stop the "
                "daemon or restart it with --bootstrap %s",
                cli->bootstrap[i], pid, cli->bootstrap[i]);
    }
    return cli->n_gateway ? check_gateways(home, cli, pid) : CLI_OK;
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
        } else if ((rc = check_globals(home, &cli)) == CLI_OK) {
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
