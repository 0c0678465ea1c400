#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "sync/sync_cache_add.h"

#include <stdio.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *sender = cli_opt(a, "sender"), *recipient = cli_opt(a, "recipient");
    const char *text = cli_opt(a, "text"), *created_at = cli_opt(a, "created-at");
    unsigned long created = 0;
    bool synced = cli_opt(a, "synced") != NULL;
    if (created_at &&
        cli_parse_uint("--created-at", created_at, 0xFFFFFFFFFFul, &created) != CLI_OK)
        return CLI_USAGE;
    if (!sender || !recipient || !text)
        return cli_error(CLI_USAGE, "cache-add needs --sender, --recipient and --text");

    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    char id[DNASYNC_ID_HEX_LEN + 1];
    int rc = CLI_OK;
    if (sync_cache_add_text(sync, sender, recipient, text, (int64_t)created, synced, id) != 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "message_id", id);
        json_end(&j);
    } else {
        printf("%s\n", id);
    }
    cli_close_home(cli, home);
    return rc;
}

static const cli_option_t options[] = {
    {"sender", 0, "S", "the sender's name (required)"},
    {"recipient", 0, "R", "the recipient's name (required)"},
    {"text", 0, "T", "the message text (required)"},
    {"created-at", 0, "UNIX", "creation time in Unix seconds (default now)"},
    {"synced", 0, NULL, "store it as already on the DHT (default: pending upload)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_cache_add = {
    "cache-add",
    "",
    0,
    0,
    options,
    "(internal) put a message straight into the local cache",
    "Test and import path: seals T to this identity and stores it in the cache only.\n"
    "Without --synced the message is pending upload.\n",
    run,
    0};
