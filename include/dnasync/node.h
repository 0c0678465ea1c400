/* `dnasync node`: a dnasync storage / bootstrap node (docs/dht.md).
 *
 *   dnasync node [--port N] [--bind ADDR] [--bootstrap HOST:PORT]... [--persist DIR]
 *                [--max-store-mb N] [--proxy-port N [--proxy-bind ADDR]] [-v] [--help]
 *
 * Prints "dnasync node: listening on ADDR:PORT" on stdout once the node runs, logs to stderr,
 * stops cleanly on SIGINT/SIGTERM (exit 0; state saved with --persist). Exit 2 for bad options,
 * 1 when the node cannot start. */
#ifndef DNASYNC_NODE_H
#define DNASYNC_NODE_H

#include "dnasync/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* argv[0] is the program or subcommand name (ignored); options follow. Installs SIGINT/SIGTERM
 * handlers for its duration. Returns the exit code. */
DNASYNC_API int dnasync_node_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
