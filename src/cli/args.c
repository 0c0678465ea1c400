/* The dnasync argument parser: getopt_long over the global options and the command's own,
 * both from the command table, so the parser accepts exactly what --help documents. */
#define _GNU_SOURCE /* getopt_long */
#include "cli/args.h"
#include "cli/commands.h"
#include "dnasync/home.h"
#include "net/net.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLOBAL_BASE 256
#define OWN_BASE 512
#define MAX_LONG (CLI_MAX_OPTIONS + 16)

static size_t count_opts(const cli_option_t *t)
{
    size_t n = 0;
    while (t && t[n].name)
        n++;
    return n;
}

/* getopt_long's tables from ours: val is GLOBAL_BASE+i or OWN_BASE+i. */
static void build(const cli_option_t *globals, const cli_option_t *own, const char *mode,
                  struct option *lo, char *shorts)
{
    size_t n = 0, s = 0;
    s += (size_t)sprintf(shorts, "%s", mode);
    const cli_option_t *tables[2] = {globals, own};
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; tables[t] && tables[t][i].name; i++) {
            const cli_option_t *o = &tables[t][i];
            lo[n++] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                      (t ? OWN_BASE : GLOBAL_BASE) + (int)i};
            if (o->short_name) {
                shorts[s++] = o->short_name;
                if (o->arg)
                    shorts[s++] = ':';
            }
        }
    }
    lo[n] = (struct option){NULL, 0, NULL, 0};
    shorts[s] = '\0';
}

/* Option id (GLOBAL_BASE+i / OWN_BASE+i) of a short option character, or -1. */
static int short_id(const cli_option_t *globals, const cli_option_t *own, int c)
{
    for (size_t i = 0; globals && globals[i].name; i++)
        if (globals[i].short_name == c)
            return GLOBAL_BASE + (int)i;
    for (size_t i = 0; own && own[i].name; i++)
        if (own[i].short_name == c)
            return OWN_BASE + (int)i;
    return -1;
}

static const cli_option_t *by_id(const cli_option_t *globals, const cli_option_t *own, int id)
{
    return id >= OWN_BASE ? &own[id - OWN_BASE] : &globals[id - GLOBAL_BASE];
}

static const char *where(const cli_command_t *cmd, char *buf, size_t len)
{
    if (!cmd)
        return "(see dnasync --help)";
    snprintf(buf, len, "for %s (see dnasync %s --help)", cmd->name, cmd->name);
    return buf;
}

/* The precise message for getopt_long's '?' or ':' answer. */
static int option_error(int c, char **argv, const struct option *lo, const cli_option_t *globals,
                        const cli_option_t *own, const cli_command_t *cmd)
{
    char ctx[128];
    if (optopt >= GLOBAL_BASE || (optopt > 0 && short_id(globals, own, optopt) >= 0)) {
        int id = optopt >= GLOBAL_BASE ? optopt : short_id(globals, own, optopt);
        const cli_option_t *o = by_id(globals, own, id);
        if (c == ':')
            return cli_error(CLI_USAGE, "option --%s wants a value (%s) %s", o->name, o->arg,
                             where(cmd, ctx, sizeof ctx));
        return cli_error(CLI_USAGE, "option --%s takes no value %s", o->name,
                         where(cmd, ctx, sizeof ctx));
    }
    if (optopt > 0)
        return cli_error(CLI_USAGE, "unknown option '-%c' %s", optopt, where(cmd, ctx, sizeof ctx));
    /* an unknown or ambiguous long option: the word getopt_long just stepped over */
    const char *word = argv[optind - 1];
    size_t len = strcspn(word, "=");
    char names[256] = "";
    int matches = 0;
    for (const struct option *o = lo; o->name; o++) {
        if (len > 2 && strncmp(o->name, word + 2, len - 2) == 0) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s--%s", matches ? ", " : "", o->name);
            matches++;
        }
    }
    if (matches > 1)
        return cli_error(CLI_USAGE, "ambiguous option '%.*s' (%s) %s", (int)len, word, names,
                         where(cmd, ctx, sizeof ctx));
    return cli_error(CLI_USAGE, "unknown option '%.*s' %s", (int)len, word,
                     where(cmd, ctx, sizeof ctx));
}

static int set_global(cli_t *cli, cli_parsed_t *out, const cli_option_t *o, const char *v)
{
    const char *n = o->name;
    if (strcmp(n, "help") == 0) {
        out->help = true;
    } else if (strcmp(n, "version") == 0) {
        out->version = true;
    } else if (strcmp(n, "json") == 0) {
        cli->json = true;
        cli_set_json_errors(true);
    } else if (strcmp(n, "generate") == 0) {
        out->generate = v;
    } else if (strcmp(n, "home") == 0) {
        out->home = v;
    } else if (strcmp(n, "profile") == 0) {
        if (strcmp(v, "desktop") != 0 && strcmp(v, "mobile") != 0)
            return cli_error(CLI_USAGE, "--profile must be desktop or mobile, not '%s'", v);
        cli->profile = v;
    } else if (strcmp(n, "bootstrap") == 0) {
        if (cli->n_bootstrap == CLI_MAX_BOOTSTRAP)
            return cli_error(CLI_USAGE, "at most %d --bootstrap options", CLI_MAX_BOOTSTRAP);
        char why[300];
        if (dnasync_home_check_bootstrap(v, false, why, sizeof why) != 0)
            return cli_error(CLI_USAGE, "--bootstrap wants HOST:PORT: %s", why);
        cli->bootstrap[cli->n_bootstrap++] = v;
    } else if (strcmp(n, "gateway") == 0) {
        char why[256];
        if (cli->n_gateway == CLI_MAX_GATEWAY)
            return cli_error(CLI_USAGE, "at most %d --gateway options", CLI_MAX_GATEWAY);
        if (dnasync_net_gateway_url_check(v, why, sizeof why) != 0)
            return cli_error(CLI_USAGE, "--gateway: %s", why);
        cli->gateway[cli->n_gateway++] = v;
    } else if (strcmp(n, "port") == 0) {
        char *end;
        long p = strtol(v, &end, 10);
        if (*v == '\0' || *end || p < 0 || p > 65535)
            return cli_error(CLI_USAGE, "--port wants a number 0..65535, got '%s'", v);
        cli->port = (int)p;
    }
    return CLI_OK;
}

static int add_pos(cli_parsed_t *out, char *arg)
{
    cli_args_t *a = &out->args;
    const cli_command_t *cmd = out->cmd;
    if (a->npos >= cmd->max_args)
        return cli_error(CLI_USAGE, "unexpected argument '%s' for %s (see dnasync %s --help)", arg,
                         cmd->name, cmd->name);
    a->pos[a->npos++] = arg;
    return CLI_OK;
}

/* One getopt_long pass. cmd NULL: the words before the command (stops at the first
 * non-option); else the words after it, positionals collected in order. */
static int pass(cli_t *cli, int argc, char **argv, cli_parsed_t *out)
{
    const cli_command_t *cmd = out->cmd;
    const cli_option_t *globals = cli_global_options;
    const cli_option_t *own = cmd ? cmd->options : NULL;
    static const cli_option_t help_only[] = {{"help", 'h', NULL, NULL}, {NULL, 0, NULL, NULL}};
    if (cmd && (cmd->flags & CLI_CMD_OWN_OPTIONS))
        globals = help_only;
    if (count_opts(globals) + count_opts(own) >= MAX_LONG)
        abort(); /* the table outgrew MAX_LONG: a programming error */
    struct option lo[MAX_LONG + 1];
    char shorts[2 * MAX_LONG + 4];
    build(globals, own, cmd ? "-:" : "+:", lo, shorts);
    opterr = 0;
    optind = 0; /* glibc: full re-initialisation, also of the permutation state */
    int c;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (c == '?' || c == ':')
            return option_error(c, argv, lo, globals, own, cmd);
        if (c == 1) {
            if (add_pos(out, optarg) != CLI_OK)
                return CLI_USAGE;
            continue;
        }
        int id = c >= GLOBAL_BASE ? c : short_id(globals, own, c);
        const cli_option_t *o = by_id(globals, own, id);
        if (id < OWN_BASE) {
            if (set_global(cli, out, o, optarg) != CLI_OK)
                return CLI_USAGE;
        } else {
            cli_args_t *a = &out->args;
            if (a->nseen == CLI_MAX_SEEN)
                return cli_error(CLI_USAGE, "too many options (at most %d)", CLI_MAX_SEEN);
            a->seen[a->nseen].opt = id - OWN_BASE;
            a->seen[a->nseen].value = o->arg ? optarg : NULL;
            a->nseen++;
        }
    }
    if (cmd)
        for (int i = optind; i < argc; i++) /* after "--" */
            if (add_pos(out, argv[i]) != CLI_OK)
                return CLI_USAGE;
    return CLI_OK;
}

static char *no_pos[1];

static bool own_options_only(const char *word)
{
    for (const cli_command_t *const *c = cli_commands; *c; c++)
        if (((*c)->flags & CLI_CMD_OWN_OPTIONS) && strcmp((*c)->name, word) == 0)
            return true;
    return false;
}

int cli_parse(cli_t *cli, int argc, char **argv, cli_parsed_t *out)
{
    memset(out, 0, sizeof *out);
    /* Errors are JSON as soon as --json is anywhere among the options (not after "--", nor
     * after a command that has only its own options). */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0 && !own_options_only(argv[i]); i++)
        if (strcmp(argv[i], "--json") == 0)
            cli_set_json_errors(true);
    if (pass(cli, argc, argv, out) != CLI_OK)
        return CLI_USAGE;
    int at = optind;
    if (at >= argc)
        return CLI_OK;
    const char *name = argv[at];
    for (const cli_command_t *const *c = cli_commands; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            out->cmd = *c;
    if (!out->cmd)
        return cli_error(CLI_USAGE, "unknown command '%s' (see dnasync --help)", name);
    out->args.cmd = out->cmd;
    out->args.pos = argc - at > 1 ? calloc((size_t)(argc - at), sizeof(char *)) : no_pos;
    if (!out->args.pos)
        return cli_error(CLI_FAIL, "out of memory");
    if (pass(cli, argc - at, argv + at, out) != CLI_OK)
        return CLI_USAGE;
    const cli_command_t *cmd = out->cmd;
    if (!out->help && out->args.npos < cmd->min_args) {
        if (cmd->min_args == 1 && cmd->max_args == 1)
            return cli_error(CLI_USAGE, "%s wants exactly one %s (see dnasync %s --help)",
                             cmd->name, cmd->synopsis, cmd->name);
        return cli_error(CLI_USAGE, "%s wants %s (see dnasync %s --help)", cmd->name, cmd->synopsis,
                         cmd->name);
    }
    return CLI_OK;
}

void cli_parsed_free(cli_parsed_t *p)
{
    if (p->args.pos != no_pos)
        free(p->args.pos);
    p->args.pos = NULL;
}

const char *cli_opt(const cli_args_t *a, const char *name)
{
    const cli_option_t *t = a->cmd->options;
    int idx = -1;
    for (int i = 0; t && t[i].name; i++)
        if (strcmp(t[i].name, name) == 0)
            idx = i;
    if (idx < 0)
        abort(); /* asked for an option the command does not declare */
    const char *v = NULL;
    for (int i = 0; i < a->nseen; i++)
        if (a->seen[i].opt == idx)
            v = a->seen[i].value ? a->seen[i].value : "";
    return v;
}
