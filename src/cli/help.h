/* Internal: --help text from the command table (the man pages use the same table). */
#ifndef DNASYNC_CLI_HELP_H
#define DNASYNC_CLI_HELP_H

#include "cli/cli.h"

#include <stdio.h>

/* `dnasync --help`: synopsis, every command, every global option. */
void cli_print_usage(FILE *out);
/* `dnasync NAME --help`: usage line, summary, description, own options. */
void cli_print_command_help(FILE *out, const cli_command_t *cmd);
/* The command's usage line without "usage: " (e.g. "dnasync read MESSAGE_ID [--share]"). */
void cli_print_synopsis(FILE *out, const cli_command_t *cmd);
/* "--name ARG" / "-v, --name": how an option is written in help and man pages. */
void cli_option_text(const cli_option_t *o, char *buf, size_t len);

#endif
