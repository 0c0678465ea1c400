#include "cli/cli.h"
#include "cli/json.h"
#include "dnasync/home.h"
#include "dnasync/status.h"

#include <stdio.h>

static int run(cli_t *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_error(CLI_USAGE, "init wants exactly one NAME (see dnasync init --help)");
    char err[512] = "";
    int rc = dnasync_home_init(cli->home, argv[1], NULL, err, sizeof err);
    if (rc != 0)
        return cli_error(rc == DNASYNC_EINVAL ? CLI_USAGE : CLI_FAIL, "%s", err);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", argv[1]);
        json_str(&j, "home", cli->home);
        json_end(&j);
    } else {
        printf("initialised identity '%s' in %s\n", argv[1], cli->home);
    }
    return CLI_OK;
}

const cli_command_t cli_cmd_init = {
    "init", "create this device's identity, device id and cache",
    "usage: dnasync [--home DIR] init NAME\n"
    "Creates DIR (default ~/.dna) with a new identity NAME (1-64 bytes of UTF-8),\n"
    "this device's id and an empty cache. Refuses a home that already has an identity.\n",
    run};
