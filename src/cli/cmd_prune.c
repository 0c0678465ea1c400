#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, int argc, char **argv)
{
    unsigned long days = SYNC_DEFAULT_PRUNE_DAYS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
            if (cli_parse_uint("--days", argv[++i], 36500, &days) != CLI_OK)
                return CLI_USAGE;
            if (days == 0)
                return cli_error(CLI_USAGE, "--days must be at least 1");
        } else {
            return cli_error(CLI_USAGE, "prune: unexpected argument '%s'", argv[i]);
        }
    }
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
    dnasync_home_free(home);
    return rc;
}

const cli_command_t cli_cmd_prune = {
    "prune", "delete old synced messages from the local cache",
    "usage: dnasync prune [--days N]\n"
    "Deletes cached messages older than N days (default 90) that are already on the DHT.\n"
    "Messages still waiting for upload are never deleted.\n",
    run};
