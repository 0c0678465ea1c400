/* dnasync config / dnasync bootstrap add|remove|list: a home's settings (<home>/config). */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "common/json.h"
#include "dnasync/home.h"
#include "dnasync/status.h"

#include <stdio.h>
#include <string.h>

/* "[\"a\",\"b\"]" of list into buf (a JSON array for json_raw). */
static void json_list(const char *const *list, size_t n, char *buf, size_t len)
{
    FILE *f = fmemopen(buf, len, "w");
    if (!f) {
        snprintf(buf, len, "[]");
        return;
    }
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        dnasync_json_write_string(f, list[i]);
    }
    fputc(']', f);
    fclose(f);
}

static void print_bootstrap(const cli_t *cli, const dnasync_home_settings_t *s)
{
    if (cli->json)
        return;
    for (size_t i = 0; i < s->n_bootstrap; i++)
        printf("bootstrap  %s\n", s->bootstrap[i]);
    for (size_t i = 0; i < s->n_ignored; i++)
        printf("ignored    %s  (not HOST:PORT; dnasync bootstrap remove '%s')\n", s->ignored[i],
               s->ignored[i]);
    if (s->n_bootstrap == 0)
        printf("no bootstrap node%s\n", s->offline
                                            ? " (a local-only home)"
                                            : ": add one with dnasync bootstrap add HOST:PORT");
}

static void print_json(const cli_t *cli, dnasync_home_t *home, const dnasync_home_settings_t *s)
{
    char boot[8192], ign[8192];
    json_list(s->bootstrap, s->n_bootstrap, boot, sizeof boot);
    json_list(s->ignored, s->n_ignored, ign, sizeof ign);
    json_line_t j;
    json_begin(&j, stdout);
    if (home) {
        json_str(&j, "home", cli->home);
        json_str(&j, "name", dnasync_home_name(home));
        json_str(&j, "device_id", dnasync_home_device_id(home));
        json_str(&j, "profile", s->profile);
        json_bool(&j, "offline", s->offline);
    }
    json_raw(&j, "bootstrap", boot);
    json_raw(&j, "ignored", ign);
    json_end(&j);
}

static int run_config(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    dnasync_home_settings_t s;
    dnasync_home_settings(home, &s);
    if (cli->json) {
        print_json(cli, home, &s);
    } else {
        printf("home       %s\nname       %s\ndevice id  %s\nprofile    %s\n", cli->home,
               dnasync_home_name(home), dnasync_home_device_id(home), s.profile);
        if (s.offline)
            printf("offline    yes (created --offline: may run local-only)\n");
        print_bootstrap(cli, &s);
    }
    cli_close_home(cli, home);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

static int run_bootstrap(cli_t *cli, const cli_args_t *a)
{
    const char *what = a->pos[0];
    const char *const *addrs = (const char *const *)a->pos + 1;
    size_t n = (size_t)a->npos - 1;
    bool list = strcmp(what, "list") == 0;
    if (!list && strcmp(what, "add") != 0 && strcmp(what, "remove") != 0)
        return cli_error(CLI_USAGE, "bootstrap wants add, remove or list, not '%s'", what);
    if (list ? n != 0 : n == 0)
        return cli_error(CLI_USAGE,
                         list ? "bootstrap list takes no address"
                              : "bootstrap %s wants at least one HOST:PORT",
                         what);
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    char err[512] = "";
    int rc = 0;
    if (what[0] == 'a')
        rc = dnasync_home_bootstrap_add(home, addrs, n, err, sizeof err);
    else if (what[0] == 'r')
        rc = dnasync_home_bootstrap_remove(home, addrs, n, err, sizeof err);
    int code = CLI_OK;
    if (rc != 0) {
        code = cli_error(rc == DNASYNC_EINVAL ? CLI_USAGE : CLI_FAIL, "%s%s", err,
                         what[0] == 'a' ? "; nothing was saved" : "");
    } else {
        dnasync_home_settings_t s;
        dnasync_home_settings(home, &s);
        if (cli->json)
            print_json(cli, NULL, &s);
        else
            print_bootstrap(cli, &s);
    }
    cli_close_home(cli, home);
    return code;
}

const cli_command_t cli_cmd_config = {
    "config",
    "",
    0,
    0,
    NULL,
    "show this home's settings",
    "Prints the home, identity name, device id, profile and the saved bootstrap nodes (and\n"
    "saved lines that are not HOST:PORT, which are ignored). With --json one object:\n"
    "{\"home\",\"name\",\"device_id\",\"profile\",\"offline\",\"bootstrap\":[...],\"ignored\":[...]"
    "}.\n",
    run_config,
    0};

const cli_command_t cli_cmd_bootstrap = {
    "bootstrap",
    "add|remove|list [HOST:PORT]...",
    1,
    17,
    NULL,
    "add, remove or list this home's bootstrap nodes",
    "add: each address is checked (HOST:PORT, the host resolves) and tried (a DHT node must\n"
    "answer within 10 s) before anything is saved; all or nothing. remove: drops saved\n"
    "entries (also ignored lines, by their text). list: the saved nodes. With --json:\n"
    "{\"bootstrap\":[...],\"ignored\":[...]}.\n",
    run_bootstrap,
    0};
