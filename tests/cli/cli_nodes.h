/* CLI test helper: real `dnasync node` processes on loopback, stopped by their PIDs. */
#ifndef DNASYNC_TEST_CLI_NODES_H
#define DNASYNC_TEST_CLI_NODES_H

#include <sys/types.h>

#define CLI_NODES_MAX 4

typedef struct cli_nodes {
    pid_t pid[CLI_NODES_MAX];
    char boot[CLI_NODES_MAX][64]; /* "127.0.0.1:PORT" */
    int n;
} cli_nodes_t;

/* n nodes (logs in dir), each bootstrapped to the first; CHECKs each reports it listens. If the
 * test exits before cli_nodes_stop (a failed CHECK), proc_spawn kills them by PID at exit. */
void cli_nodes_start(cli_nodes_t *nodes, int n, const char *dir);
/* Stop every node by PID (SIGTERM, then SIGKILL); CHECKs they exited cleanly. */
void cli_nodes_stop(cli_nodes_t *nodes);

#endif
