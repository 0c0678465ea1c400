#include "cli/msgid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_LISTED 8

int cli_check_id_arg(const char *arg)
{
    size_t len = strlen(arg);
    bool hex = true;
    for (size_t i = 0; i < len; i++)
        hex = hex && isxdigit((unsigned char)arg[i]);
    if (!hex || len < CLI_ID_PREFIX_MIN || len > DNASYNC_ID_HEX_LEN)
        return cli_error(CLI_USAGE,
                         "MESSAGE_ID must be the id or a unique prefix of it: %d to %d hex "
                         "digits, got '%s'",
                         CLI_ID_PREFIX_MIN, DNASYNC_ID_HEX_LEN, arg);
    return CLI_OK;
}

int cli_resolve_id(sync_context_t *sync, const char *arg, char id[DNASYNC_ID_HEX_LEN + 1],
                   bool *deleted)
{
    if (cli_check_id_arg(arg) != CLI_OK)
        return CLI_USAGE;
    char prefix[DNASYNC_ID_HEX_LEN + 1];
    size_t len = strlen(arg);
    for (size_t i = 0; i <= len; i++)
        prefix[i] = (char)tolower((unsigned char)arg[i]);
    sync_id_match_t m[MAX_LISTED];
    size_t n = 0;
    bool more = false;
    if (sync_find_messages(sync, prefix, MAX_LISTED, m, &n, &more) != 0)
        return cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    if (n == 0)
        return cli_error_code(CLI_FAIL, "unknown_id", "no message %s %s in this device's cache",
                              len == DNASYNC_ID_HEX_LEN ? "with id" : "whose id starts with",
                              prefix);
    if (n > 1) {
        char list[MAX_LISTED * (DNASYNC_ID_HEX_LEN + 2) + 16] = "";
        for (size_t i = 0; i < n; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, m[i].message_id);
        }
        return cli_error_code(CLI_USAGE, "ambiguous_id",
                              "id prefix %s matches %s%zu messages: %s%s; type more of the id",
                              prefix, more ? "more than " : "", n, list, more ? ", ..." : "");
    }
    memcpy(id, m[0].message_id, DNASYNC_ID_HEX_LEN + 1);
    *deleted = m[0].deleted;
    return CLI_OK;
}
