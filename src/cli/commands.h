/* Internal: the table of subcommands (each defined in its own cmd_*.c) and global options. */
#ifndef DNASYNC_CLI_COMMANDS_H
#define DNASYNC_CLI_COMMANDS_H

#include "cli/cli.h"

extern const cli_command_t cli_cmd_init, cli_cmd_link_code, cli_cmd_join, cli_cmd_send,
    cli_cmd_sync, cli_cmd_inbox, cli_cmd_read, cli_cmd_delete, cli_cmd_watch, cli_cmd_status,
    cli_cmd_prune, cli_cmd_node, cli_cmd_cache_add, cli_cmd_help, cli_cmd_version, cli_cmd_contacts,
    cli_cmd_verify, cli_cmd_daemon, cli_cmd_config, cli_cmd_bootstrap;

/* NULL-terminated, in --help order. Adding a command: its cli_command_t in its own cmd_*.c,
 * one extern above, one entry in commands.c. */
extern const cli_command_t *const cli_commands[];

/* Options valid before or after any command (ended by {NULL}); an entry with help == NULL
 * is hidden from --help, the man page and the completion. */
extern const cli_option_t cli_global_options[];

#endif
