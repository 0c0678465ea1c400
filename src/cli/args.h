/* Internal: parsing argv against the command table with getopt_long. */
#ifndef DNASYNC_CLI_ARGS_H
#define DNASYNC_CLI_ARGS_H

#include "cli/cli.h"

typedef struct cli_parsed {
    const cli_command_t *cmd; /* the command; NULL when only global options were given */
    cli_args_t args;          /* its positionals and own options */
    const char *home;         /* --home as given, NULL when absent */
    bool help;                /* --help / -h anywhere (before "--") */
    bool version;             /* --version */
    const char *generate;     /* hidden --generate WHAT (build step: man pages, completion) */
} cli_parsed_t;

/* Global options anywhere (before or after the command, unless the command has
 * CLI_CMD_OWN_OPTIONS), --opt=value and --opt value, "--" ends the options. Fills cli's
 * global fields and *out. Returns CLI_OK, or CLI_USAGE after printing a precise error. */
int cli_parse(cli_t *cli, int argc, char **argv, cli_parsed_t *out);
/* Frees what cli_parse allocated in *p (always safe after cli_parse). */
void cli_parsed_free(cli_parsed_t *p);

#endif
