/* Internal: the man pages and the bash completion, generated from the command table by the
 * build (hidden `dnasync --generate WHAT`), so they cannot drift from --help. */
#ifndef DNASYNC_CLI_GEN_H
#define DNASYNC_CLI_GEN_H

#include <stdio.h>

/* WHAT: "man" (dnasync.1), "node-man" (dnasync-node.1) or "completion" (bash).
 * Returns an exit code (CLI_USAGE for an unknown WHAT, after the error). */
int cli_generate(const char *what, FILE *out);

#endif
