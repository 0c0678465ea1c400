#define _POSIX_C_SOURCE 200809L /* strdup */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "cli/text.h"
#include "common/names.h"
#include "crypto/ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message as inbox shows it: the work's result, printed by print_human or print_json. */
typedef struct inbox_entry {
    const message_info_t *m; /* borrowed from the listing */
    char *text;              /* decrypted, or NULL (then error says why) */
    char *error;
    bool sent; /* by this identity (else received) */
    bool read;
} inbox_entry_t;

/* The work: list (newest first) and decrypt. *out caller frees with free_entries. */
static int load(sync_context_t *sync, const char *me, const char *conv, size_t limit,
                message_info_t **msgs, inbox_entry_t **out, size_t *n)
{
    if (sync_list_messages(sync, conv, limit, msgs, n) != 0)
        return cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out)
        return cli_error(CLI_FAIL, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        inbox_entry_t *e = &(*out)[i];
        e->m = &(*msgs)[i];
        if (sync_open_message(sync, e->m, &e->text, NULL) != 0)
            e->error = strdup(sync_errmsg(sync));
        e->sent = strcmp(e->m->sender, me) == 0;
        e->read = strcmp(e->m->status, "read") == 0 || e->m->read_at != 0;
    }
    return CLI_OK;
}

static void free_entries(inbox_entry_t *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].text);
        free(e[i].error);
    }
    free(e);
}

static void print_json(const inbox_entry_t *e)
{
    const message_info_t *m = e->m;
    json_line_t j;
    json_begin(&j, stdout);
    json_str(&j, "message_id", m->message_id);
    json_str(&j, "conversation_id", m->conversation_id);
    json_str(&j, "sender", m->sender);
    json_str(&j, "recipient", m->recipient);
    json_int(&j, "created_at", m->created_at);
    json_str(&j, "status", m->status);
    json_bool(&j, "synced_to_dht", m->synced_to_dht);
    json_str(&j, "direction", e->sent ? "sent" : "received");
    json_bool(&j, "read", e->read);
    json_str(&j, "text", e->text);
    if (!e->text)
        json_str(&j, "error", e->error ? e->error : "out of memory");
    json_end(&j);
}

/* "TIME  received from NAME  [unread]  ID" and the text indented below it; everything that
 * came from the network goes through cli_put_text. */
static void print_human(const inbox_entry_t *e)
{
    const message_info_t *m = e->m;
    char when[CLI_TIME_LEN];
    printf("%s  %s ", cli_time(m->created_at, when), e->sent ? "sent to" : "received from");
    cli_put_text(stdout, e->sent ? m->recipient : m->sender);
    const char *state = e->sent ? (m->synced_to_dht ? "uploaded" : "pending upload")
                                : (e->read ? "read" : "unread");
    printf("  [%s]  %s\n    ", state, m->message_id);
    if (e->text) {
        cli_put_text(stdout, e->text);
    } else {
        fputs("(cannot decrypt: ", stdout);
        cli_put_text(stdout, e->error ? e->error : "out of memory");
        fputs(")", stdout);
    }
    fputs("\n", stdout);
}

/* --conversation: a conversation id, or the name of the other participant. */
static int conversation_id(const char *arg, const char *me, char out[DNASYNC_ID_HEX_LEN + 1])
{
    if (strlen(arg) == DNASYNC_ID_HEX_LEN &&
        strspn(arg, "0123456789abcdef") == DNASYNC_ID_HEX_LEN) {
        memcpy(out, arg, DNASYNC_ID_HEX_LEN + 1);
        return CLI_OK;
    }
    const char *parts[2] = {me, arg};
    if (dnasync_conversation_id(parts, 2, out) != 0)
        return cli_error(CLI_FAIL, "cannot compute the conversation id");
    return CLI_OK;
}

static int run(cli_t *cli, const cli_args_t *a)
{
    const char *conv = cli_opt(a, "conversation"), *lim = cli_opt(a, "limit");
    unsigned long limit = 50;
    char why[256];
    if (conv &&
        !(strlen(conv) == DNASYNC_ID_HEX_LEN &&
          strspn(conv, "0123456789abcdef") == DNASYNC_ID_HEX_LEN) &&
        dnasync_name_check(conv, why, sizeof why) != 0)
        return cli_error(CLI_USAGE, "--conversation wants a name or a conversation id: %s", why);
    if (lim && cli_parse_uint("--limit", lim, 1000000, &limit) != CLI_OK)
        return CLI_USAGE;
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    const char *me = dnasync_home_name(home);
    char conv_id[DNASYNC_ID_HEX_LEN + 1];
    message_info_t *msgs = NULL;
    inbox_entry_t *entries = NULL;
    size_t n = 0;
    int rc = conv ? conversation_id(conv, me, conv_id) : CLI_OK;
    if (rc == CLI_OK)
        rc = load(sync, me, conv ? conv_id : NULL, limit, &msgs, &entries, &n);
    if (rc == CLI_OK) {
        for (size_t i = 0; i < n; i++) {
            if (cli->json)
                print_json(&entries[i]);
            else
                print_human(&entries[i]);
        }
        if (!cli->json && n == 0)
            printf("no messages\n");
        /* Messages the listing had to skip: said on stderr, never silently left out. */
        cli_warn_damaged(sync, "is not shown", "it is kept untouched");
    }
    free_entries(entries, n);
    sync_free_messages(msgs, n);
    cli_close_home(cli, home);
    return rc;
}

static const cli_option_t options[] = {
    {"conversation", 0, "NAME", "only the conversation with NAME (a conversation id works too)"},
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
    "Reads the local cache only (instant, offline). --limit defaults to 50. Each message is\n"
    "one line, TIME  received from NAME  [unread|read]  ID  (or sent to NAME  [pending\n"
    "upload|uploaded]), then its text indented. TIME is ISO-8601 local time (TZ applies).\n"
    "Control and bidi characters in texts and names are shown as escapes (\\x1b, \\u202e).\n"
    "With --json: one object per message: message_id, conversation_id, sender, recipient,\n"
    "created_at (Unix s), status, synced_to_dht, direction (sent|received), read, text\n"
    "(exact).\n"
    "A message whose copy in the cache is damaged is left out, with a warning on stderr naming\n"
    "it; the others are shown and the exit status is 0.\n",
    run,
    0};
