/* Internal: the daemon's socket <home>/dnasync.sock (docs/rpc.md): accepts local clients of
 * this uid, reads JSON-RPC lines, runs requests one at a time on a worker thread, sends
 * notifications to subscribers. Bounded everywhere; a slow subscriber is dropped. */
#ifndef DNASYNC_DAEMON_SERVER_H
#define DNASYNC_DAEMON_SERVER_H

#include "dnasync/home.h"

#include <jansson.h>
#include <stddef.h>

#define SERVER_MAX_CLIENTS 32
#define SERVER_MAX_PENDING 64             /* requests queued, all clients together */
#define SERVER_MAX_PENDING_CLIENT 16      /* per client */
#define SERVER_MAX_SUB_BACKLOG (1u << 20) /* bytes a subscriber may leave unread */

typedef struct server server_t;

/* Bind <dir>/dnasync.sock (a stale one is replaced: the caller holds the home lock), mode
 * 0600, and start the threads. home is borrowed and must outlive the server. 0 ok, else a
 * dnasync/status.h code with the reason in err and dnasync_last_error(). */
int server_start(dnasync_home_t *home, const char *dir, server_t **out, char *err, size_t errlen);
/* Send a notification to every subscriber (params stolen). Any thread. */
void server_notify(server_t *s, const char *method, json_t *params);
/* Stop accepting, let the request being run finish, close every client, remove the socket. */
void server_stop(server_t *s);

#endif
