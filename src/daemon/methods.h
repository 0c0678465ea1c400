/* Internal: what each JSON-RPC method does (docs/rpc.md). Every method runs the dnasync
 * command of the same name with --json through exec.c, so its result holds exactly the
 * fields of that command's --json output. */
#ifndef DNASYNC_DAEMON_METHODS_H
#define DNASYNC_DAEMON_METHODS_H

#include "daemon/rpc_parse.h"
#include "dnasync/home.h"

/* dnasync's own error codes, one per kind of failure (stable, docs/rpc.md). */
enum {
    RPC_E_USAGE = 1,  /* a value the command refuses (the command's exit code 2) */
    RPC_E_FAILED = 2, /* the command failed (exit code 1); data.kind may be more precise */
};

/* Run req (any method but subscribe) on home and return the whole response line (JSON,
 * newline-terminated; caller frees). NULL only when out of memory. */
char *method_run(dnasync_home_t *home, const char *dir, const rpc_request_t *req);

/* obj[key] = text when it is UTF-8 (as a JSON string must be), else obj[key_base64] = its
 * bytes in base64 (a message's text is the sender's bytes). 0 ok. */
int rpc_put_text(json_t *obj, const char *key, const char *text);
/* A response line for an error; id NULL = null. Caller frees. */
char *rpc_error_line(const json_t *id, int code, const char *message, json_t *data /* stolen */);
/* A response line for a result (stolen). Caller frees. */
char *rpc_result_line(const json_t *id, json_t *result);
/* A notification line {"jsonrpc":"2.0","method":M,"params":P} (params stolen). */
char *rpc_notification_line(const char *method, json_t *params);

#endif
