/* `dnasync node --admin-socket PATH`: a local Unix socket (mode 0600, owner's uid only) that
 * answers what this node's own store holds, for measuring where values live (docs/scale.md,
 * "Asking one node"). One request line per connection, one JSON line back, then close:
 *   local            every value the node holds (at most NODE_ADMIN_MAX_VALUES)
 *   local KEYHEX     the values at one key (40 hex digits)
 * Each value: key, id, type, size, version (a summary's counter: which edition it holds).
 * Served from the node's main loop, one client at a time, each bounded in size and time. */
#ifndef DNASYNC_NODE_ADMIN_H
#define DNASYNC_NODE_ADMIN_H

#include "dht/dht.h"

#include <stddef.h>

#define NODE_ADMIN_MAX_VALUES 100000

typedef struct node_admin node_admin_t;

/* Creates the socket; a stale file (nobody accepts on it) is replaced, a live one refused.
 * *out freed with node_admin_close. 0 ok, else a status and err names the path and the reason. */
int node_admin_open(const char *path, node_admin_t **out, char *err, size_t errlen);
/* Waits up to wait_ms for a client, then serves it (at most one). */
void node_admin_poll(node_admin_t *a, dht_storage_context_t *ctx, int wait_ms);
/* Closes and removes the socket. NULL is fine. */
void node_admin_close(node_admin_t *a);

#endif
