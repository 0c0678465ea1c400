#include "cli/cli.h"
#include "cli/json.h"
#include "cli/msgid.h"
#include "cli/open.h"

#include <stdio.h>

/* The work: resolve the id (a unique prefix will do) and mark it read. CLI_OK or the exit
 * code after the error. */
static int do_read(sync_context_t *sync, const char *arg, bool share,
                   char id[DNASYNC_ID_HEX_LEN + 1])
{
    bool deleted = false;
    int rc = cli_resolve_id(sync, arg, id, &deleted);
    if (rc != CLI_OK)
        return rc;
    sync_set_share_read_receipts(sync, share);
    /* by id only: a message whose cached copy is damaged can still be marked read */
    if (sync_mark_read(sync, id) != 0)
        return cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    return CLI_OK;
}

static int run(cli_t *cli, const cli_args_t *a)
{
    bool share = cli_opt(a, "share") != NULL;
    if (cli_check_id_arg(a->pos[0]) != CLI_OK)
        return CLI_USAGE;
    dnasync_home_t *home;
    if (cli_open_home(cli, share, &home) != CLI_OK)
        return CLI_FAIL;
    char id[DNASYNC_ID_HEX_LEN + 1];
    int rc = do_read(dnasync_home_sync(home), a->pos[0], share, id);
    if (rc == CLI_OK && cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "read", id);
        json_bool(&j, "shared", share);
        json_end(&j);
    } else if (rc == CLI_OK) {
        printf("marked %s read%s\n", id, share ? " on all your devices" : " on this device");
    }
    cli_close_home(cli, home);
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
    "MESSAGE_ID is the id or any unique prefix of it of at least 8 hex digits (as in inbox);\n"
    "several matches: exit 2 listing them; none: exit 1.\n"
    "Read receipts stay on this device by default. --share puts a receipt signed by your\n"
    "identity into your own mailbox, so your other devices mark the message read too\n"
    "(nobody else can read or forge it, but DHT nodes see that you read something).\n",
    run,
    0};
