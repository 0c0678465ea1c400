#include "cli/open.h"

#include "dnasync/status.h"

#include <stdio.h>

int cli_open_home(const cli_t *cli, bool network, dnasync_home_t **out)
{
    if (cli->daemon_home) { /* inside the daemon: its home, node and sync context */
        *out = cli->daemon_home;
        return CLI_OK;
    }
    char err[512] = "";
    /* a --bootstrap is checked before anything (and saved only once the network answered) */
    for (size_t i = 0; i < cli->n_bootstrap; i++) {
        int rc = dnasync_home_check_bootstrap(cli->bootstrap[i], true, err, sizeof err);
        if (rc != 0)
            return cli_error(rc == DNASYNC_EINVAL ? CLI_USAGE : CLI_FAIL, "%s", err);
    }
    dnasync_home_options_t opt = {
        .env = NULL,
        .profile = cli->profile,
        .bootstrap = cli->bootstrap,
        .n_bootstrap = cli->n_bootstrap,
        .gateway = cli->gateway,
        .n_gateway = cli->n_gateway,
        .oneshot = !cli->session,
        .port = cli->port,
        .network = network,
        .role = cli->command,
    };
    if (dnasync_home_open(cli->home, &opt, out, err, sizeof err) != 0)
        return cli_error(CLI_FAIL, "%s", err);
    return CLI_OK;
}

void cli_close_home(const cli_t *cli, dnasync_home_t *home)
{
    if (home != cli->daemon_home)
        dnasync_home_free(home);
}

int cli_parse_uint(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    if (!v || !*v || *v == '-')
        return cli_error(CLI_USAGE, "%s wants a number, got '%s'", opt, v ? v : "");
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n > max)
        return cli_error(CLI_USAGE, "%s wants a number 0..%lu, got '%s'", opt, max, v);
    *out = n;
    return CLI_OK;
}

void cli_warn_damaged(sync_context_t *sync, const char *what, const char *kept)
{
    sync_damaged_t *dmg = NULL;
    size_t n = 0;
    sync_get_damaged(sync, &dmg, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr,
                "dnasync: warning: message %s %s: its copy in the cache is damaged (%s); %s\n",
                dmg[i].message_id, what, dmg[i].reason, kept);
    free(dmg);
}
