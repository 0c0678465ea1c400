/* Internal: one JSON-RPC 2.0 request line of the daemon's socket (docs/rpc.md), parsed and
 * checked without side effects (a fuzz target calls it directly). */
#ifndef DNASYNC_DAEMON_RPC_PARSE_H
#define DNASYNC_DAEMON_RPC_PARSE_H

#include <jansson.h>
#include <stddef.h>

#define RPC_MAX_LINE (256 * 1024) /* bytes per request line, newline excluded */

/* JSON-RPC 2.0's own error codes, and dnasync's (stable; docs/rpc.md lists them). */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_BUSY = -32000,     /* too many pending requests; retry later */
    RPC_TOO_LARGE = -32001 /* request line or response over the limit */
};

typedef enum rpc_method {
    RPC_SEND,
    RPC_SYNC,
    RPC_INBOX,
    RPC_READ,
    RPC_DELETE,
    RPC_STATUS,
    RPC_DAYS,
    RPC_LINK_CODE,
    RPC_PRUNE,
    RPC_SUBSCRIBE,
    RPC_CLI, /* the dnasync command's own route: run argv, return its output (docs/rpc.md) */
    RPC_N_METHODS
} rpc_method_t;

typedef struct rpc_request {
    json_t *id; /* the request's id (string, integer or null; owned); NULL = notification */
    rpc_method_t method;
    json_t *params; /* an object (owned; {} when the request had none) */
} rpc_request_t;

/* Parse one line (len bytes, no newline, need not be NUL-terminated). 0 ok: *out filled, clear
 * it with rpc_request_clear. Else a JSON-RPC error code (< 0) with msg set; *out->id is then
 * the request's id when it could be read (for the error reply), else NULL. Params are checked
 * against the method: names, types and ranges (RPC_INVALID_PARAMS names the field). */
int rpc_parse_request(const char *line, size_t len, rpc_request_t *out, char *msg, size_t msglen);
void rpc_request_clear(rpc_request_t *r);

/* "send", "sync", ... ; NULL for an out-of-range value. */
const char *rpc_method_name(rpc_method_t m);

#endif
