#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *id = a->pos[0];
    if (strlen(id) != DNASYNC_ID_HEX_LEN || strspn(id, "0123456789abcdef") != DNASYNC_ID_HEX_LEN)
        return cli_error(CLI_USAGE, "MESSAGE_ID must be 64 lowercase hex characters, got '%s'", id);
    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    int rc = CLI_OK;
    if (sync_delete_message(sync, id) != 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else {
        sync_status_t st;
        bool pending = sync_get_status(sync, &st) == 0 && st.pending_tombstones > 0;
        if (cli->json) {
            json_line_t j;
            json_begin(&j, stdout);
            json_str(&j, "deleted", id);
            json_bool(&j, "pending", pending);
            json_end(&j);
        } else {
            printf("deleted %s%s\n", id, pending ? " (tombstone upload pending)" : "");
        }
    }
    dnasync_home_free(home);
    return rc;
}

const cli_command_t cli_cmd_delete = {
    "delete",
    "MESSAGE_ID",
    1,
    1,
    NULL,
    "delete a message on all of this identity's devices",
    "Soft-deletes the message here and puts a signed tombstone on the DHT; your other\n"
    "devices apply it on their next sync, or at once when they watch.\n",
    run,
    0};
