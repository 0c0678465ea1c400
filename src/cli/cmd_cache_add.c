#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, int argc, char **argv)
{
    const char *sender = NULL, *recipient = NULL, *text = NULL;
    unsigned long created = 0;
    bool synced = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--sender") == 0 && has_value)
            sender = argv[++i];
        else if (strcmp(a, "--recipient") == 0 && has_value)
            recipient = argv[++i];
        else if (strcmp(a, "--text") == 0 && has_value)
            text = argv[++i];
        else if (strcmp(a, "--created-at") == 0 && has_value) {
            if (cli_parse_uint("--created-at", argv[++i], 0xFFFFFFFFFFul, &created) != CLI_OK)
                return CLI_USAGE;
        } else if (strcmp(a, "--synced") == 0)
            synced = true;
        else
            return cli_error(CLI_USAGE, "cache-add: unexpected argument '%s'", a);
    }
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
    dnasync_home_free(home);
    return rc;
}

const cli_command_t cli_cmd_cache_add = {
    "cache-add", "(internal) put a message straight into the local cache",
    "usage: dnasync cache-add --sender S --recipient R --text T [--created-at UNIX] [--synced]\n"
    "Test and import path: seals T to this identity and stores it in the cache only.\n"
    "Without --synced the message is pending upload.\n",
    run};
