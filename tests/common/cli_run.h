/* Run the real dnasync binary against a home, with --json, and check what it says. */
#ifndef DNASYNC_TEST_CLI_RUN_H
#define DNASYNC_TEST_CLI_RUN_H

#include "proc.h"

/* dnasync --home HOME [--json] ARGS... ; args NULL-terminated. */
proc_result_t cli_run(const char *home, int json, ...);

#endif
