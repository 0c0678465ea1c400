/* Internal: the dnasync command's side of the daemon's socket (docs/rpc.md, "The dnasync
 * command as a client"). */
#ifndef DNASYNC_DAEMON_CLIENT_H
#define DNASYNC_DAEMON_CLIENT_H

#include <jansson.h>

/* Connected to <home>/dnasync.sock: an fd; -1 when no daemon serves the home (no socket, or
 * a stale one from a killed daemon). */
int client_connect(const char *home);

/* Runs `dnasync ARGS...` (args without the program name) through the daemon's `cli` method:
 * prints what the command printed, returns its exit code. -1 when no daemon serves the home
 * or an argument cannot travel as JSON (not UTF-8): then the caller runs it in-process. */
int client_run_command(const char *home, int argc, char **argv);
/* The same, printing nothing when the command exits 0 (a check of the command line: the
 * daemon refuses global options it cannot honour before running anything). */
int client_check_command(const char *home, int argc, char **argv);

/* obj[key] as bytes (or obj[key_base64] decoded: text that is not UTF-8, docs/rpc.md),
 * NUL-terminated, *len without the NUL; malloc'd, caller frees. NULL when absent or null. */
char *client_text(const json_t *obj, const char *key, size_t *len);

/* Subscribes on fd and calls cb for each notification (params borrowed for the call) until
 * the daemon closes the connection (returns 1) or stop_fd (e.g. a signalfd) is readable
 * (returns 0). -1 when the subscription was refused. */
typedef void (*client_notify_cb)(void *user, const char *method, json_t *params);
int client_subscribe(int fd, int stop_fd, client_notify_cb cb, void *user);

#endif
