#define _POSIX_C_SOURCE 200809L
#include "cli_nodes.h"

#include "check.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_nodes_start(cli_nodes_t *nodes, int n, const char *dir)
{
    memset(nodes, 0, sizeof *nodes);
    CHECK(n >= 1 && n <= CLI_NODES_MAX);
    for (int i = 0; i < n; i++) {
        char log[4200];
        snprintf(log, sizeof log, "%s/node%d.log", dir, i);
        char *argv[] = {
            (char *)DNASYNC_CLI_PATH, "node",         "--bind", "127.0.0.1", "--port", "0",
            i ? "--bootstrap" : NULL, nodes->boot[0], NULL};
        nodes->pid[i] = proc_spawn(argv, log);
        CHECK(nodes->pid[i] > 0);
        nodes->n = i + 1;
        char *text = proc_wait_for_text(log, "listening on", 30);
        CHECK(text != NULL);
        CHECK(sscanf(strstr(text, "listening on "), "listening on %63s", nodes->boot[i]) == 1);
        free(text);
    }
}

void cli_nodes_stop(cli_nodes_t *nodes)
{
    for (int i = 0; i < nodes->n; i++)
        CHECK_EQ_INT(proc_stop(nodes->pid[i], 10), 0);
    nodes->n = 0;
}
