#include "cli/cli.h"
#include "cli/json.h"
#include "dnasync/home.h"
#include "dnasync/status.h"

#include <stdio.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *name = a->pos[0];
    char err[512] = "";
    int rc = dnasync_home_init(cli->home, name, NULL, err, sizeof err);
    if (rc != 0)
        return cli_error(rc == DNASYNC_EINVAL ? CLI_USAGE : CLI_FAIL, "%s", err);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", name);
        json_str(&j, "home", cli->home);
        json_end(&j);
    } else {
        printf("initialised identity '%s' in %s\n", name, cli->home);
    }
    return CLI_OK;
}

const cli_command_t cli_cmd_init = {
    "init",
    "NAME",
    1,
    1,
    NULL,
    "create this device's identity, device id and cache",
    "Creates the home (--home DIR, default ~/.dna) with a new identity NAME (1-64 bytes of\n"
    "UTF-8), this device's id and an empty cache. Refuses a home that already has an identity.\n",
    run,
    0};
