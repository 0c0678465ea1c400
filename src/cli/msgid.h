/* Internal: message ids as a person types them: the whole id or any unique prefix of at least
 * 8 hex digits (case-insensitive), looked up in this device's cache. */
#ifndef DNASYNC_CLI_MSGID_H
#define DNASYNC_CLI_MSGID_H

#include "cli/cli.h"
#include "dnasync/sync_protocol.h"

#define CLI_ID_PREFIX_MIN 8

/* Checks the form of arg before anything is opened: CLI_OK, or CLI_USAGE after the error. */
int cli_check_id_arg(const char *arg);
/* The one cached message arg names (soft-deleted ones included: *deleted says so). Returns
 * CLI_OK; or after printing the error CLI_FAIL (no such message: code "unknown_id", or a cache
 * error) or CLI_USAGE (several match: code "ambiguous_id", every candidate listed). */
int cli_resolve_id(sync_context_t *sync, const char *arg, char id[DNASYNC_ID_HEX_LEN + 1],
                   bool *deleted);

#endif
