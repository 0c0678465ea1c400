#include "cli/cli.h"
#include "cli/json.h"
#include "dnasync/home.h"
#include "dnasync/status.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *name = a->pos[0];
    char err[512] = "";
    /* identity, device id, cache and config; unless --offline the name is checked on the DHT,
     * the identity published and read back: all or nothing (dnasync_home_create) */
    dnasync_home_create_t c = {.name = name,
                               .bootstrap = cli->bootstrap,
                               .n_bootstrap = cli->n_bootstrap,
                               .gateway = cli->gateway,
                               .n_gateway = cli->n_gateway,
                               .port = cli->port,
                               .offline = cli_opt(a, "offline") != NULL};
    int rc = dnasync_home_create(cli->home, &c, NULL, err, sizeof err);
    if (rc != 0)
        return rc == DNASYNC_EEXIST && strstr(err, "claimed")
                   ? cli_error_code(CLI_FAIL, "name_claimed", "%s", err)
                   : cli_error(rc == DNASYNC_EINVAL ? CLI_USAGE : CLI_FAIL, "%s", err);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", name);
        json_str(&j, "home", cli->home);
        json_bool(&j, "published", !c.offline);
        json_end(&j);
    } else if (c.offline) {
        printf("initialised identity '%s' in %s (offline: published by the first sync with a "
               "bootstrap node)\n",
               name, cli->home);
    } else {
        printf("initialised identity '%s' in %s and published it on the DHT\n", name, cli->home);
    }
    return CLI_OK;
}

static const cli_option_t init_options[] = {
    {"offline", 0, NULL, "create the home without going online (published by the first sync)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_init = {
    "init",
    "NAME",
    1,
    1,
    init_options,
    "create this device's identity, device id and cache, and publish it",
    "Creates the home (--home DIR, default ~/.dna; a new or empty directory) with a new\n"
    "identity NAME (1-64 bytes of UTF-8), this device's id and an empty cache, and saves the\n"
    "--bootstrap nodes in it. It then goes online: a NAME that another key already claims on\n"
    "the DHT is refused (two people would share one mailbox), else the identity record is\n"
    "published and read back, so others can write to NAME at once. Without the network it\n"
    "fails and creates nothing. --offline creates the home without going online (no name\n"
    "check; the first sync with a bootstrap node publishes it; with no bootstrap node such a\n"
    "home runs local-only).\n",
    run,
    0};
