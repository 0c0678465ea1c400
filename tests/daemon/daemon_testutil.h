/* Helpers for the daemon tests: a loopback network of `dnasync node`s, homes, daemons, and a
 * line client of the daemon's socket. Every process is stopped by its pid. */
#ifndef DNASYNC_TEST_DAEMON_UTIL_H
#define DNASYNC_TEST_DAEMON_UTIL_H

#include "proc.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

extern char dt_boot[2][64]; /* the two nodes' HOST:PORT */

/* Start two `dnasync node`s (logs in dir). */
void dt_start_nodes(const char *dir, pid_t pids[2]);
/* dnasync --home HOME --bootstrap B1 --bootstrap B2 [--json] ARGS... (NULL-terminated). */
proc_result_t dt_cli(const char *home, int json, ...);
/* `dnasync daemon` on home, logging to log; waits for its "serving:" line (the socket is up;
 * readiness may come later). Nodes and daemons started here are proc_spawn's: killed at exit if
 * still running (a failed CHECK exits at once). */
pid_t dt_start_daemon(const char *home, const char *log);
/* The same with global options before `daemon` (NULL-terminated, e.g. --profile mobile). */
pid_t dt_start_daemon_with(const char *home, const char *log, const char *const *opts);

/* A connection to HOME/dnasync.sock. */
typedef struct dt_conn {
    int fd;
    char *buf;
    size_t len, cap;
} dt_conn_t;
int dt_connect(dt_conn_t *c, const char *home); /* 0 ok */
void dt_close(dt_conn_t *c);
void dt_send(dt_conn_t *c, const char *line); /* adds the newline */
/* The next line (malloc'd, no newline), or NULL at EOF / after timeout_s. */
char *dt_line(dt_conn_t *c, int timeout_s);
/* Next line as JSON (NULL at EOF/timeout); caller json_decref. */
json_t *dt_json(dt_conn_t *c, int timeout_s);
/* One request, its response (skipping notifications). */
json_t *dt_call(dt_conn_t *c, const char *line, int timeout_s);

#endif
