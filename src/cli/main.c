/* dnasync: the command-line tool. Global options come before the subcommand. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dnasync: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

bool cli_wants_help(const cli_command_t *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->usage, stdout);
            return true;
        }
    }
    return false;
}

static void usage(FILE *out)
{
    fputs("usage: dnasync [--home DIR] [--json] [--profile desktop|mobile]\n"
          "               [--bootstrap HOST:PORT]... [--port N] COMMAND [ARGS]\n\n"
          "commands:\n",
          out);
    for (const cli_command_t *const *c = cli_commands; *c; c++)
        fprintf(out, "  %-12s %s\n", (*c)->name, (*c)->summary);
    fputs("\nglobal options:\n"
          "  --home DIR            state directory (default $DNA_HOME, else ~/.dna)\n"
          "  --json                one JSON object per line on stdout\n"
          "  --profile P           desktop (real-time) or mobile (periodic only)\n"
          "  --bootstrap HOST:PORT join a DHT network through this node (repeatable)\n"
          "  --port N              local DHT port (default: any free port)\n"
          "Run 'dnasync COMMAND --help' for a command's options.\n",
          out);
}

/* Value of an option that takes an argument, or NULL after printing the error. */
static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_error(CLI_USAGE, "option %s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_globals(cli_t *cli, int argc, char **argv, int *cmd_index)
{
    const char *home = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            cli->json = true;
        } else if (strcmp(a, "--home") == 0) {
            if (!(home = opt_value(argc, argv, &i)))
                return CLI_USAGE;
        } else if (strcmp(a, "--profile") == 0) {
            if (!(v = opt_value(argc, argv, &i)))
                return CLI_USAGE;
            if (strcmp(v, "desktop") != 0 && strcmp(v, "mobile") != 0)
                return cli_error(CLI_USAGE, "--profile must be desktop or mobile, not '%s'", v);
            cli->profile = v;
        } else if (strcmp(a, "--bootstrap") == 0) {
            if (!(v = opt_value(argc, argv, &i)))
                return CLI_USAGE;
            if (cli->n_bootstrap == CLI_MAX_BOOTSTRAP)
                return cli_error(CLI_USAGE, "at most %d --bootstrap options", CLI_MAX_BOOTSTRAP);
            if (!strrchr(v, ':'))
                return cli_error(CLI_USAGE, "--bootstrap wants HOST:PORT, got '%s'", v);
            cli->bootstrap[cli->n_bootstrap++] = v;
        } else if (strcmp(a, "--port") == 0) {
            if (!(v = opt_value(argc, argv, &i)))
                return CLI_USAGE;
            char *end;
            long p = strtol(v, &end, 10);
            if (*v == '\0' || *end || p < 0 || p > 65535)
                return cli_error(CLI_USAGE, "--port wants a number 0..65535, got '%s'", v);
            cli->port = (int)p;
        } else {
            return cli_error(CLI_USAGE, "unknown option '%s' (see dnasync --help)", a);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    *cmd_index = i;

    if (!home)
        home = getenv("DNA_HOME");
    if (home && *home) {
        if (strlen(home) >= sizeof cli->home)
            return cli_error(CLI_USAGE, "home path is too long");
        strcpy(cli->home, home);
    } else {
        const char *h = getenv("HOME");
        if (!h || !*h)
            return cli_error(CLI_USAGE, "no --home, $DNA_HOME or $HOME to put the state in");
        if ((size_t)snprintf(cli->home, sizeof cli->home, "%s/.dna", h) >= sizeof cli->home)
            return cli_error(CLI_USAGE, "home path is too long");
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_t cli = {0};
    cli.prog = argv[0];
    int cmd_index = 0;
    int rc = parse_globals(&cli, argc, argv, &cmd_index);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;

    const char *name = argv[cmd_index];
    for (const cli_command_t *const *c = cli_commands; *c; c++) {
        if (strcmp((*c)->name, name) == 0) {
            if (cli_wants_help(*c, argc - cmd_index, argv + cmd_index))
                return CLI_OK;
            return (*c)->run(&cli, argc - cmd_index, argv + cmd_index);
        }
    }
    return cli_error(CLI_USAGE, "unknown command '%s' (see dnasync --help)", name);
}
