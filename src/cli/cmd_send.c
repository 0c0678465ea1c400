#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "common/names.h"
#include "dnasync/status.h"

#include <stdio.h>
#include <string.h>

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *recipient = a->pos[0], *text = a->pos[1];
    char why[256];
    if (dnasync_name_check(recipient, why, sizeof why) != 0)
        return cli_error(CLI_USAGE, "send: bad RECIPIENT: %s", why);
    size_t len = strlen(text);
    if (len == 0)
        return cli_error(CLI_USAGE, "send: TEXT is empty");
    if (len > SYNC_MAX_TEXT)
        return cli_error(CLI_USAGE, "send: TEXT is %zu bytes, the limit is %d", len, SYNC_MAX_TEXT);
    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    char id[DNASYNC_ID_HEX_LEN + 1];
    int rc = CLI_OK;
    int src = sync_send(sync, recipient, (const uint8_t *)text, len, id);
    if (src != 0) { /* several keys claim the name: docs/trust.md */
        rc = cli_error_code(CLI_FAIL, src == DNASYNC_EEXIST ? "ambiguous_name" : "failed", "%s",
                            sync_errmsg(sync));
    } else {
        sync_status_t st;
        bool pending = sync_get_status(sync, &st) == 0 && st.pending_uploads > 0;
        if (cli->json) {
            json_line_t j;
            json_begin(&j, stdout);
            json_str(&j, "message_id", id);
            json_bool(&j, "pending", pending);
            json_end(&j);
        } else {
            printf("%s%s\n", id,
                   pending ? " (stored; upload pending, retried by the next sync)" : "");
        }
    }
    cli_close_home(cli, home);
    return rc;
}

const cli_command_t cli_cmd_send = {
    "send",
    "RECIPIENT TEXT",
    2,
    2,
    NULL,
    "encrypt a message for RECIPIENT and sync it to the DHT",
    "Seals TEXT for RECIPIENT and for your own other devices (ML-KEM-512 + AES-256-GCM),\n"
    "stores it in the cache and uploads it. If the DHT cannot confirm it, it stays pending\n"
    "and the next 'dnasync sync' retries. With --json: {\"message_id\":...,\"pending\":...}.\n"
    "A TEXT that starts with '-' goes after --: dnasync send bob -- '-5 degrees'.\n"
    "RECIPIENT may be NAME#FINGERPRINT (>= 8 hex digits): needed when several keys claim\n"
    "NAME and none is pinned yet; it pins that key (docs/trust.md, dnasync contacts).\n",
    run,
    0};
