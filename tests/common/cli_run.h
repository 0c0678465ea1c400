/* Run the real dnasync binary against a home, with --json, and check what it says. */
#ifndef DNASYNC_TEST_CLI_RUN_H
#define DNASYNC_TEST_CLI_RUN_H

#include "proc.h"

/* dnasync --home HOME [--json] ARGS... ; args NULL-terminated. The binary is
 * $DNASYNC_TEST_CLI when set (e.g. to show a defect on an older build), else the build's. */
proc_result_t cli_run(const char *home, int json, ...);
/* The same with extra environment entries "K=V" (NULL-terminated array, or NULL). */
proc_result_t cli_run_env(char *const env[], const char *home, int json, ...);
/* The dnasync binary the tests run (see cli_run). */
const char *cli_path(void);

#endif
