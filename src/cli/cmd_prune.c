#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <stdio.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    unsigned long days = SYNC_DEFAULT_PRUNE_DAYS;
    const char *v = cli_opt(a, "days");
    if (v && cli_parse_uint("--days", v, 36500, &days) != CLI_OK)
        return CLI_USAGE;
    if (days == 0)
        return cli_error(CLI_USAGE, "--days must be at least 1");
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    int n = sync_prune_old_messages(sync, (uint32_t)days);
    int rc = CLI_OK;
    if (n < 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_int(&j, "pruned", n);
        json_int(&j, "days", (int64_t)days);
        json_end(&j);
    } else {
        printf("pruned %d synced messages older than %lu days (pending ones are kept)\n", n, days);
    }
    cli_close_home(cli, home);
    return rc;
}

static const cli_option_t options[] = {
    {"days", 0, "N", "age limit in days (default 90)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_prune = {
    "prune",
    "",
    0,
    0,
    options,
    "delete old synced messages from the local cache",
    "Deletes cached messages older than N days (default 90) that are already on the DHT.\n"
    "Messages still waiting for upload are never deleted.\n",
    run,
    0};
