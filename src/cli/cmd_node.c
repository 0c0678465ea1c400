#include "cli/cli.h"
#include "dnasync/node.h"

static int run(cli_t *cli, int argc, char **argv)
{
    (void)cli;
    return dnasync_node_main(argc, argv);
}

const cli_command_t cli_cmd_node = {
    "node", "run a DHT storage and bootstrap node (for servers)",
    "usage: dnasync node [--port N] [--bind ADDR] [--bootstrap HOST:PORT]... [--persist DIR]\n"
    "                    [--proxy-port N] [--proxy-bind ADDR] [-v]\n"
    "A long-running OpenDHT node with dnasync's value types and store policies. Logs to\n"
    "stderr, prints 'listening on ADDR:PORT' when ready, stops cleanly on SIGINT/SIGTERM.\n",
    run};
