#include "cli/commands.h"

#include <stddef.h>

const cli_command_t *const cli_commands[] = {
    &cli_cmd_init,   &cli_cmd_link_code, &cli_cmd_join,
    &cli_cmd_send,   &cli_cmd_sync,      &cli_cmd_inbox,
    &cli_cmd_read,   &cli_cmd_delete,    &cli_cmd_watch,
    &cli_cmd_status, &cli_cmd_prune,     &cli_cmd_contacts,
    &cli_cmd_verify, &cli_cmd_config,    &cli_cmd_bootstrap,
    &cli_cmd_daemon, &cli_cmd_node,      &cli_cmd_cache_add,
    &cli_cmd_help,   &cli_cmd_version,   NULL,
};

const cli_option_t cli_global_options[] = {
    {"home", 0, "DIR", "state directory (default $DNA_HOME, else ~/.dna)"},
    {"json", 0, NULL, "machine output: one JSON object per line on stdout"},
    {"profile", 0, "desktop|mobile", "desktop: real-time (DHT listen); mobile: periodic only"},
    {"bootstrap", 0, "HOST:PORT", "join the DHT through this node (repeatable; remembered)"},
    {"gateway", 0, "URL",
     "reach the DHT through this dnasync node gateway instead of joining it (repeatable: "
     "failover in order; remembered)"},
    {"port", 0, "N", "local DHT port (default: any free port)"},
    {"help", 'h', NULL, "show help (for a command: dnasync COMMAND --help)"},
    {"version", 0, NULL, "print the version"},
    {"generate", 0, "WHAT", NULL}, /* build step: man, node-man or completion */
    {NULL, 0, NULL, NULL},
};
