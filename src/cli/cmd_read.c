#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *id = a->pos[0];
    bool share = cli_opt(a, "share") != NULL;
    if (strlen(id) != DNASYNC_ID_HEX_LEN || strspn(id, "0123456789abcdef") != DNASYNC_ID_HEX_LEN)
        return cli_error(CLI_USAGE, "read wants one MESSAGE_ID of 64 lowercase hex characters");
    dnasync_home_t *home;
    if (cli_open_home(cli, share, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    sync_set_share_read_receipts(sync, share);
    int rc = CLI_OK;
    /* by id only: a message whose cached copy is damaged can still be marked read */
    if (sync_mark_read(sync, id) != 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "read", id);
        json_bool(&j, "shared", share);
        json_end(&j);
    } else {
        printf("marked %s read%s\n", id, share ? " on all your devices" : " on this device");
    }
    dnasync_home_free(home);
    return rc;
}

static const cli_option_t options[] = {
    {"share", 0, NULL, "also mark it read on your other devices (a signed receipt)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_read = {
    "read",
    "MESSAGE_ID",
    1,
    1,
    options,
    "mark a message read (here, or with --share on all your devices)",
    "Read receipts stay on this device by default. --share puts a receipt signed by your\n"
    "identity into your own mailbox, so your other devices mark the message read too\n"
    "(nobody else can read or forge it, but DHT nodes see that you read something).\n",
    run,
    0};
