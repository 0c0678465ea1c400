/* Internal: one dnasync command line run inside the daemon, on the daemon's open home, by the
 * very function the in-process command runs, with what it prints captured. */
#ifndef DNASYNC_DAEMON_EXEC_H
#define DNASYNC_DAEMON_EXEC_H

#include "dnasync/home.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct exec_result {
    int exit_code; /* the command's exit code (0, 1 usage 2) */
    char *out;     /* what it printed on stdout (malloc'd, NUL-terminated) */
    char *err;     /* on stderr */
} exec_result_t;

/* Call once, before any other thread runs, with the fd that stays the daemon's log (a dup of
 * stderr): while a command runs, fds 1 and 2 point at its capture files. */
int exec_init(void);

/* Runs `dnasync ARGS...` (args without the program name) on home, whose directory is dir. Only
 * the commands exec_routable names, and link-code with --passphrase, are accepted; others give
 * exit 2 and a message. One call at a time
 * (the daemon's worker thread). 0 ran (see res), < 0 the capture itself failed. */
int exec_command(dnasync_home_t *home, const char *dir, size_t argc, const char *const *args,
                 exec_result_t *res);
void exec_result_free(exec_result_t *res);

/* True for a command the dnasync command sends to a running daemon. */
bool exec_routable(const char *command);

#endif
