/* Internal: what every `dnasync` subcommand receives. */
#ifndef DNASYNC_CLI_H
#define DNASYNC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_MAX_BOOTSTRAP 16

/* Exit codes of the dnasync command. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli {
    char home[4096];     /* resolved: --home, else $DNA_HOME, else ~/.dna */
    bool json;           /* --json: one JSON object per line on stdout */
    const char *profile; /* --profile desktop|mobile (NULL = from config / desktop) */
    const char *bootstrap[CLI_MAX_BOOTSTRAP]; /* --bootstrap HOST:PORT, repeatable */
    size_t n_bootstrap;
    int port;         /* --port N (0 = any) */
    const char *prog; /* argv[0] for messages */
} cli_t;

/* A subcommand: argv[0] is the subcommand name; options after it are its own. */
typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `dnasync --help` */
    const char *usage;   /* full `dnasync NAME --help` text */
    int (*run)(cli_t *cli, int argc, char **argv);
} cli_command_t;

/* Print "dnasync: <message>" to stderr and return `code` (for `return cli_error(...)`). */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv has --help or -h; prints the command's usage to stdout. */
bool cli_wants_help(const cli_command_t *cmd, int argc, char **argv);

#endif
