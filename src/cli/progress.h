/* Internal: progress of a long step, in the form the output wants: on a terminal one updating
 * line (\r) that ends with a newline, into a pipe or file one line per report, with --json one
 * {"progress":{"step":S,"done":N,"total":M}} object per report on stdout (the JSON stream). */
#ifndef DNASYNC_CLI_PROGRESS_H
#define DNASYNC_CLI_PROGRESS_H

#include "cli/cli.h"

typedef struct cli_progress {
    bool json;
    bool tty;       /* stderr is a terminal */
    bool line_open; /* a terminal line was drawn and not ended yet */
} cli_progress_t;

void cli_progress_init(cli_progress_t *p, const cli_t *cli);
/* One report: "dnasync: STEP: DONE of TOTAL values". */
void cli_progress_report(cli_progress_t *p, const char *step, size_t done, size_t total);
/* Ends a terminal line left open (a step that stopped short of its total). */
void cli_progress_end(cli_progress_t *p);

#endif
