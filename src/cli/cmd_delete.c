#include "cli/cli.h"
#include "cli/json.h"
#include "cli/msgid.h"
#include "cli/open.h"

#include <stdio.h>

/* The work: resolve the id (a unique prefix will do) and delete it, unless it already is.
 * CLI_OK or the exit code after the error. */
static int do_delete(sync_context_t *sync, const char *arg, char id[DNASYNC_ID_HEX_LEN + 1],
                     bool *already, bool *pending)
{
    int rc = cli_resolve_id(sync, arg, id, already);
    if (rc != CLI_OK)
        return rc;
    if (!*already && sync_delete_message(sync, id) != 0)
        return cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    sync_status_t st;
    *pending = sync_get_status(sync, &st) == 0 && st.pending_tombstones > 0;
    return CLI_OK;
}

static void print_delete(const cli_t *cli, const char *id, bool already, bool pending)
{
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "deleted", id);
        json_bool(&j, "already", already);
        json_bool(&j, "pending", pending);
        json_end(&j);
    } else if (already) {
        printf("message %s was already deleted; nothing to do%s\n", id,
               pending ? " (tombstone upload pending)" : "");
    } else {
        printf("deleted %s%s\n", id, pending ? " (tombstone upload pending)" : "");
    }
}

static int run(cli_t *cli, const cli_args_t *a)
{
    if (cli_check_id_arg(a->pos[0]) != CLI_OK)
        return CLI_USAGE;
    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    char id[DNASYNC_ID_HEX_LEN + 1];
    bool already = false, pending = false;
    int rc = do_delete(dnasync_home_sync(home), a->pos[0], id, &already, &pending);
    if (rc == CLI_OK)
        print_delete(cli, id, already, pending);
    cli_close_home(cli, home);
    return rc;
}

const cli_command_t cli_cmd_delete = {
    "delete",
    "MESSAGE_ID",
    1,
    1,
    NULL,
    "delete a message on all of this identity's devices",
    "MESSAGE_ID is the id or any unique prefix of it of at least 8 hex digits (as in inbox).\n"
    "Soft-deletes the message here and puts a signed tombstone on the DHT; your other\n"
    "devices apply it on their next sync, or at once when they watch. Deleting a message that\n"
    "is already deleted says so and changes nothing (exit 0; with --json \"already\":true).\n",
    run,
    0};
