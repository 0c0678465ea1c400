#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_one(const cli_t *cli, sync_context_t *sync, const message_info_t *m)
{
    char *text = NULL;
    size_t len = 0;
    int ok = sync_open_message(sync, m, &text, &len) == 0;
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "message_id", m->message_id);
        json_str(&j, "conversation_id", m->conversation_id);
        json_str(&j, "sender", m->sender);
        json_str(&j, "recipient", m->recipient);
        json_int(&j, "created_at", m->created_at);
        json_str(&j, "status", m->status);
        json_bool(&j, "synced_to_dht", m->synced_to_dht);
        json_str(&j, "text", ok ? text : NULL);
        if (!ok)
            json_str(&j, "error", sync_errmsg(sync));
        json_end(&j);
    } else {
        printf("%s  %" PRId64 "  %s -> %s  [%s]\n    %s\n", m->message_id, m->created_at, m->sender,
               m->recipient, m->status, ok ? text : "(cannot decrypt)");
    }
    free(text);
}

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *conv = cli_opt(a, "conversation"), *lim = cli_opt(a, "limit");
    unsigned long limit = 50;
    if (conv && strlen(conv) != DNASYNC_ID_HEX_LEN)
        return cli_error(CLI_USAGE, "--conversation wants a 64-hex-char id, got '%s'", conv);
    if (lim && cli_parse_uint("--limit", lim, 1000000, &limit) != CLI_OK)
        return CLI_USAGE;
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    message_info_t *msgs = NULL;
    size_t n = 0;
    int rc = CLI_OK;
    if (sync_list_messages(sync, conv, limit, &msgs, &n) != 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else {
        for (size_t i = 0; i < n; i++)
            print_one(cli, sync, &msgs[i]);
        if (!cli->json && n == 0)
            printf("no messages\n");
        /* Messages the listing had to skip: said on stderr, never silently left out. */
        cli_warn_damaged(sync, "is not shown", "it is kept untouched");
    }
    sync_free_messages(msgs, n);
    dnasync_home_free(home);
    return rc;
}

static const cli_option_t options[] = {
    {"conversation", 0, "ID", "only this conversation"},
    {"limit", 0, "N", "at most N messages (default 50)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_inbox = {
    "inbox",
    "",
    0,
    0,
    options,
    "list cached messages, newest first (decrypted)",
    "Reads the local cache only (instant, offline). --limit defaults to 50.\n"
    "With --json: one object per message: message_id, conversation_id, sender, recipient,\n"
    "created_at, status, synced_to_dht, text.\n"
    "A message whose copy in the cache is damaged is left out, with a warning on stderr naming\n"
    "it; the others are shown and the exit status is 0.\n",
    run,
    0};
