/* --help, `dnasync help [COMMAND]` and `dnasync version`, all printed from the command table. */
#include "cli/help.h"
#include "cli/commands.h"
#include "cli/json.h"

#include <stdio.h>
#include <string.h>

#ifndef DNASYNC_VERSION
#error "DNASYNC_VERSION comes from CMake (project version)"
#endif

void cli_option_text(const cli_option_t *o, char *buf, size_t len)
{
    if (o->short_name)
        snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(buf, len, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_options(FILE *out, const cli_option_t *t)
{
    char left[96];
    for (size_t i = 0; t && t[i].name; i++) {
        if (!t[i].help)
            continue;
        cli_option_text(&t[i], left, sizeof left);
        if (strlen(left) <= 24)
            fprintf(out, "  %-24s %s\n", left, t[i].help);
        else
            fprintf(out, "  %s\n  %-24s %s\n", left, "", t[i].help);
    }
}

void cli_print_synopsis(FILE *out, const cli_command_t *cmd)
{
    fprintf(out, "dnasync %s", cmd->name);
    if (cmd->synopsis[0])
        fprintf(out, " %s", cmd->synopsis);
    for (size_t i = 0; cmd->options && cmd->options[i].name; i++) {
        const cli_option_t *o = &cmd->options[i];
        if (o->short_name && !o->arg)
            fprintf(out, " [-%c]", o->short_name);
        else
            fprintf(out, " [--%s%s%s]", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    }
}

void cli_print_usage(FILE *out)
{
    fputs("usage: dnasync [OPTIONS] COMMAND [ARGS]\n"
          "Options may come before or after the command; --opt=value works too.\n\n"
          "commands:\n",
          out);
    for (const cli_command_t *const *c = cli_commands; *c; c++)
        fprintf(out, "  %-12s %s\n", (*c)->name, (*c)->summary);
    fputs("\nglobal options:\n", out);
    print_options(out, cli_global_options);
    fputs("\nRun 'dnasync help COMMAND' or 'dnasync COMMAND --help' for a command's options.\n"
          "Exit codes: 0 ok, 1 failure, 2 usage error.\n",
          out);
}

void cli_print_command_help(FILE *out, const cli_command_t *cmd)
{
    fputs("usage: ", out);
    cli_print_synopsis(out, cmd);
    fprintf(out, "\n%s.\n\n%s", cmd->summary, cmd->description);
    fputs("\noptions:\n", out);
    print_options(out, cmd->options);
    fputs("  -h, --help               this text\n", out);
    if (!(cmd->flags & CLI_CMD_OWN_OPTIONS))
        fputs("Global options (dnasync --help) may come before or after the command.\n", out);
}

static int run_help(cli_t *cli, const cli_args_t *a)
{
    (void)cli;
    if (a->npos == 0) {
        cli_print_usage(stdout);
        return CLI_OK;
    }
    for (const cli_command_t *const *c = cli_commands; *c; c++) {
        if (strcmp((*c)->name, a->pos[0]) == 0) {
            cli_print_command_help(stdout, *c);
            return CLI_OK;
        }
    }
    return cli_error(CLI_USAGE, "no command '%s' (see dnasync --help)", a->pos[0]);
}

static int run_version(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "version", DNASYNC_VERSION);
        json_end(&j);
    } else {
        printf("dnasync %s\n", DNASYNC_VERSION);
    }
    return CLI_OK;
}

const cli_command_t cli_cmd_help = {
    "help",
    "[COMMAND]",
    0,
    1,
    NULL,
    "show the commands, or one command's options",
    "Without COMMAND: the same as dnasync --help. With it: the same as dnasync COMMAND --help.\n",
    run_help,
    CLI_CMD_NO_HOME};

const cli_command_t cli_cmd_version = {
    "version",
    "",
    0,
    0,
    NULL,
    "print the version",
    "The same as dnasync --version. With --json: {\"version\":\"X.Y.Z\"}.\n",
    run_version,
    CLI_CMD_NO_HOME};
