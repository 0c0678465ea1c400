/* Internal: helpers shared by the subcommands. */
#ifndef DNASYNC_CLI_OPEN_H
#define DNASYNC_CLI_OPEN_H

#include "cli/cli.h"
#include "dnasync/home.h"
#include "dnasync/sync_protocol.h"

#include <stdlib.h>

/* Open cli->home (starting the DHT when network is true); prints the error itself.
 * Returns CLI_OK or CLI_FAIL. */
int cli_open_home(const cli_t *cli, bool network, dnasync_home_t **out);
/* Close what cli_open_home gave (the daemon's own home stays open). */
void cli_close_home(const cli_t *cli, dnasync_home_t *home);
/* Parse a non-negative decimal option value <= max; prints a usage error itself. */
int cli_parse_uint(const char *opt, const char *v, unsigned long max, unsigned long *out);
/* One stderr warning per damaged cached message the context met (sync_get_damaged):
 * "message ID <what>: its copy in the cache is damaged (REASON); <kept>". Never silent. */
void cli_warn_damaged(sync_context_t *sync, const char *what, const char *kept);

#endif
