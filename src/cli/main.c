/* dnasync: the command-line tool. Parsing (args.c) and help (help.c) come from the command
 * table (commands.c); this file resolves the home, dispatches and prints errors. */
#define _POSIX_C_SOURCE 200809L
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/gen.h"
#include "cli/help.h"
#include "cli/json.h"
#include "common/json.h"
#include "daemon/client.h"
#include "daemon/exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool g_json_errors;

void cli_set_json_errors(bool on)
{
    g_json_errors = on;
}

static int verror(int code, const char *json_code, const char *fmt, va_list ap)
{
    if (!g_json_errors) {
        fputs("dnasync: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        return code;
    }
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fflush(stdout);
    fputs("{\"error\":{\"code\":", stdout);
    dnasync_json_write_string(stdout, json_code           ? json_code
                                      : code == CLI_USAGE ? "usage"
                                                          : "failed");
    fputs(",\"message\":", stdout);
    dnasync_json_write_string(stdout, msg);
    fputs("}}\n", stdout);
    fflush(stdout);
    return code;
}

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int cli_error_code(int code, const char *json_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(code, json_code, fmt, ap);
    va_end(ap);
    return code;
}

/* --home, else $DNA_HOME, else ~/.dna. */
static int resolve_home(cli_t *cli, const char *home)
{
    if (!home)
        home = getenv("DNA_HOME");
    if (home && *home) {
        if (strlen(home) >= sizeof cli->home)
            return cli_error(CLI_USAGE, "home path is too long");
        strcpy(cli->home, home);
        return CLI_OK;
    }
    const char *h = getenv("HOME");
    if (!h || !*h)
        return cli_error(CLI_USAGE, "no --home, $DNA_HOME or $HOME to put the state in");
    if ((size_t)snprintf(cli->home, sizeof cli->home, "%s/.dna", h) >= sizeof cli->home)
        return cli_error(CLI_USAGE, "home path is too long");
    return CLI_OK;
}

static int dispatch(cli_t *cli, const cli_parsed_t *p, int argc, char **argv)
{
    if (p->generate)
        return cli_generate(p->generate, stdout);
    if (p->help) {
        if (p->cmd)
            cli_print_command_help(stdout, p->cmd);
        else
            cli_print_usage(stdout);
        return CLI_OK;
    }
    if (p->version || !p->cmd) {
        if (!p->cmd && !p->version)
            return cli_error(CLI_USAGE, "no command given (see dnasync --help)");
        return cli_cmd_version.run(cli, &p->args);
    }
    if (!(p->cmd->flags & CLI_CMD_NO_HOME) && resolve_home(cli, p->home) != CLI_OK)
        return CLI_USAGE;
    cli->command = p->cmd->name;
    if (exec_routable(p->cmd->name)) { /* the home's daemon runs it, when one runs */
        int rc = client_run_command(cli->home, argc - 1, argv + 1);
        if (rc >= 0)
            return rc;
    }
    return p->cmd->run(cli, &p->args);
}

int main(int argc, char **argv)
{
    cli_t cli = {0};
    cli.prog = argv[0];
    cli_parsed_t p;
    int rc = cli_parse(&cli, argc, argv, &p);
    if (rc == CLI_OK)
        rc = dispatch(&cli, &p, argc, argv);
    cli_parsed_free(&p);
    return rc;
}
