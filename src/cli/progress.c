#define _POSIX_C_SOURCE 200809L /* fileno */
#include "cli/progress.h"
#include "cli/json.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress_t *p, const cli_t *cli)
{
    p->json = cli->json;
    p->tty = isatty(fileno(stderr)) == 1;
    p->line_open = false;
}

void cli_progress_report(cli_progress_t *p, const char *step, size_t done, size_t total)
{
    if (p->json) {
        json_line_t j;
        fputs("{\"progress\":", stdout);
        json_begin(&j, stdout);
        json_str(&j, "step", step);
        json_uint(&j, "done", done);
        json_uint(&j, "total", total);
        fputs("}}\n", stdout);
        fflush(stdout);
        return;
    }
    if (!p->tty) {
        fprintf(stderr, "dnasync: %s: %zu of %zu values\n", step, done, total);
        return;
    }
    /* \033[K clears what a longer previous report left at the end of the line */
    fprintf(stderr, "\rdnasync: %s: %zu of %zu values\033[K", step, done, total);
    p->line_open = done < total;
    if (!p->line_open)
        fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress_end(cli_progress_t *p)
{
    if (p->line_open)
        fputc('\n', stderr);
    p->line_open = false;
}
