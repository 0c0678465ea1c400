/* `dnasync node`: its options are parsed here from the table below (so --help, the man page
 * and the completion list exactly what is accepted), then handed to dnasync_node_main in
 * their plain form (--name VALUE, -v). */
#include "cli/cli.h"
#include "dnasync/node.h"

#include <stdio.h>

static const cli_option_t options[] = {
    {"port", 0, "N", "UDP port (default 0 = any; reused from --persist)"},
    {"bind", 0, "ADDR", "address to bind (default 0.0.0.0)"},
    {"bootstrap", 0, "HOST:PORT", "join the network through this node (repeatable)"},
    {"persist", 0, "DIR", "keep routing table and stored values across restarts"},
    {"persist-interval", 0, "S", "with --persist: save stored values every S s (default 60)"},
    {"max-store-mb", 0, "N", "storage quota for other users' values (default 64)"},
    {"gateway-port", 0, "N", "serve the validating HTTP gateway (docs/gateway.md)"},
    {"gateway-bind", 0, "ADDR", "gateway address (default 127.0.0.1)"},
    {"allow-origin", 0, "ORIGIN", "browser pages of ORIGIN may use the gateway (repeatable)"},
    {"gateway-rate", 0, "N", "gateway requests per second per client address (default 100)"},
    {"web-root", 0, "DIR", "serve the web device from DIR (default: the one installed beside)"},
    {"proxy-port", 0, "N", "also run OpenDHT's raw REST proxy (for other tools)"},
    {"proxy-bind", 0, "ADDR", "proxy address (default 127.0.0.1)"},
    {"admin-socket", 0, "PATH", "answer what this node stores on a local Unix socket (0600)"},
    {"verbose", 'v', NULL, "warnings and a stats line per minute (stderr, UTC times)"},
    {NULL, 0, NULL, NULL},
};

static int run(cli_t *cli, const cli_args_t *a)
{
    (void)cli;
    char *argv[2 * CLI_MAX_SEEN + 2];
    int n = 0;
    char names[CLI_MAX_SEEN][40];
    argv[n++] = (char *)"node";
    for (int i = 0; i < a->nseen; i++) {
        const cli_option_t *o = &options[a->seen[i].opt];
        if (o->short_name)
            snprintf(names[i], sizeof names[i], "-%c", o->short_name);
        else
            snprintf(names[i], sizeof names[i], "--%s", o->name);
        argv[n++] = names[i];
        if (a->seen[i].value)
            argv[n++] = (char *)a->seen[i].value;
    }
    argv[n] = NULL;
    return dnasync_node_main(n, argv);
}

const cli_command_t cli_cmd_node = {
    "node",
    "",
    0,
    0,
    options,
    "run a DHT storage and bootstrap node (for servers)",
    "A long-running OpenDHT node with dnasync's value types and store policies. Logs to\n"
    "stderr, prints 'listening on ADDR:PORT' when ready, stops cleanly on SIGINT/SIGTERM.\n",
    run,
    CLI_CMD_OWN_OPTIONS | CLI_CMD_NO_HOME};
