#include "cli/cli.h"
#include "daemon/daemon.h"

static int run(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    char err[512] = "";
    dnasync_home_options_t opt = {
        .profile = cli->profile,
        .bootstrap = cli->bootstrap,
        .n_bootstrap = cli->n_bootstrap,
        .gateway = cli->gateway, /* used when mobile or without bootstrap nodes */
        .n_gateway = cli->n_gateway,
        .port = cli->port,
    };
    if (daemon_run(cli->home, &opt, err, sizeof err) != 0)
        return cli_error(CLI_FAIL, "%s", err);
    return CLI_OK;
}

const cli_command_t cli_cmd_daemon = {
    "daemon",
    "",
    0,
    0,
    NULL,
    "run this device: one DHT node, sync, and a local socket for commands",
    "The device runtime of one home, in the foreground: keeps the home's single DHT node up,\n"
    "syncs by the profile's strategy (desktop: real time with a periodic safety net; mobile:\n"
    "periodic), and serves JSON-RPC 2.0 on HOME/dnasync.sock (mode 0600, this user only;\n"
    "docs/rpc.md). While it runs, every other dnasync command on this home goes through it,\n"
    "with the same output. Logs to stderr; SIGINT/SIGTERM finish the request in flight and\n"
    "stop cleanly. A second daemon, or any command that needs the network while another\n"
    "process runs the home's node, is refused.\n",
    run,
    0};
