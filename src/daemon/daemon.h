/* Internal: `dnasync daemon`, the device runtime of one home (docs/rpc.md, README). */
#ifndef DNASYNC_DAEMON_DAEMON_H
#define DNASYNC_DAEMON_DAEMON_H

#include "dnasync/home.h"

#include <stddef.h>

/* Runs in the foreground until SIGINT/SIGTERM: takes the home lock and opens the home with
 * its DHT node (opt->network and opt->role are set here), serves <dir>/dnasync.sock, runs the
 * profile's strategy, logs to stderr. 0 after a clean stop; else a dnasync/status.h code, err
 * and dnasync_last_error() say why it could not start (the home is in use, cannot reach the
 * DHT, ...) and nothing was left running. */
int daemon_run(const char *dir, const dnasync_home_options_t *opt, char *err, size_t errlen);

/* Inside the daemon, for a command run on the calling thread (exec.c): cb also gets the
 * events delivered on this thread (its own sync pass) until called again with NULL. */
void daemon_command_events(sync_event_cb cb, void *user);

#endif
