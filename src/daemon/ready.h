/* Internal: the daemon's readiness (docs/rpc.md, "Ready"). Requests are served from the start;
 * "ready" says the first sync pass is done and the DHT node's routing table is warm, so a send
 * no longer waits for nodes that left the network. */
#ifndef DNASYNC_DAEMON_READY_H
#define DNASYNC_DAEMON_READY_H

#include "daemon/server.h"
#include "dnasync/home.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define DAEMON_WARM_BOUND_MS 15000 /* OpenDHT gives a silent node up after ~7-10 s */

/* Wait (on the calling thread, whose stop signals are blocked) until the first pass is done and
 * the routing table is warm, or DAEMON_WARM_BOUND_MS of warming passed; then mark the daemon
 * ready, notify subscribers ("ready") and log the time since start_ms (env ms). Returns 0 when
 * ready, or the number of a signal in stop that arrived first. */
int daemon_get_ready(dnasync_home_t *home, server_t *srv, const sigset_t *stop, uint64_t start_ms);

/* true once ready, with *ms the time from start to ready (any thread). */
bool daemon_is_ready(uint64_t *ms);

#endif
