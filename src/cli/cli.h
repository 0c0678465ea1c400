/* Internal: what every `dnasync` subcommand is and receives. One table of commands and options
 * (commands.c, each command's entry in its cmd_*.c) drives the parser (args.c), --help
 * (help.c), the man pages and the bash completion (gen.c), so none of them can drift. */
#ifndef DNASYNC_CLI_H
#define DNASYNC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_MAX_BOOTSTRAP 16
#define CLI_MAX_GATEWAY 8
#define CLI_MAX_OPTIONS 16 /* own options of one command */
#define CLI_MAX_SEEN 64    /* option occurrences kept per run */

/* Exit codes of the dnasync command. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli {
    char home[4096];     /* resolved: --home, else $DNA_HOME, else ~/.dna */
    bool json;           /* --json: one JSON object per line on stdout */
    const char *profile; /* --profile desktop|mobile (NULL = from config / desktop) */
    const char *bootstrap[CLI_MAX_BOOTSTRAP]; /* --bootstrap HOST:PORT, repeatable */
    size_t n_bootstrap;
    const char *gateway[CLI_MAX_GATEWAY]; /* --gateway URL, repeatable, failover order */
    size_t n_gateway;
    bool session;        /* a long-lived command (watch): joins the DHT unless mobile */
    int port;            /* --port N (0 = any) */
    const char *prog;    /* argv[0] for messages */
    const char *command; /* the subcommand's name (the role in the home lock) */
    /* Inside `dnasync daemon`: the daemon's open home, which every command uses instead of
     * opening its own (src/daemon/exec.c); NULL in a plain process. */
    struct dnasync_home *daemon_home;
} cli_t;

/* One option of a command (or a global one). */
typedef struct cli_option {
    const char *name; /* long name without "--"; NULL ends a table */
    char short_name;  /* e.g. 'v' for -v, 0 for none */
    const char *arg;  /* value placeholder ("N", "DIR"), NULL for a flag */
    const char *help; /* one line for --help, the man page and the completion */
} cli_option_t;

/* A subcommand as the user typed it, parsed against its table entry. */
typedef struct cli_args {
    const struct cli_command *cmd;
    char **pos; /* positional arguments (borrowed from argv) */
    int npos;
    struct {
        int opt;           /* index into cmd->options */
        const char *value; /* NULL for a flag */
    } seen[CLI_MAX_SEEN];  /* own options in the order given */
    int nseen;
} cli_args_t;

enum {
    CLI_CMD_OWN_OPTIONS = 1, /* after the command name only its own options (dnasync node) */
    CLI_CMD_NO_HOME = 2      /* needs no home directory (help, version, node) */
};

typedef struct cli_command {
    const char *name;
    const char *synopsis;        /* positionals, e.g. "RECIPIENT TEXT" ("" for none) */
    int min_args, max_args;      /* how many positionals */
    const cli_option_t *options; /* own options, ended by {NULL}; NULL for none */
    const char *summary;         /* one line for `dnasync --help` */
    const char *description;     /* the rest of `dnasync NAME --help` and the man page */
    int (*run)(cli_t *cli, const cli_args_t *args);
    unsigned flags; /* CLI_CMD_* */
} cli_command_t;

/* The last value given for a command's own option, "" for a flag given, NULL when absent.
 * name must be in the command's table (a typo aborts: it is a programming error). */
const char *cli_opt(const cli_args_t *a, const char *name);

/* Print the error and return `code` (for `return cli_error(...)`): "dnasync: <message>" on
 * stderr, or with --json {"error":{"code":C,"message":M}} on stdout, where C is "usage" for
 * exit code 2 and "failed" otherwise. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a stable code of its own for --json (e.g. "ambiguous_id"). */
int cli_error_code(int code, const char *json_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Errors are JSON from now on (set by main as soon as --json is seen). */
void cli_set_json_errors(bool on);

#endif
