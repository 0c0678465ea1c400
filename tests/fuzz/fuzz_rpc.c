/* Fuzz target: the daemon's JSON-RPC request parser (src/daemon/rpc_parse.c), which reads every
 * line a local client writes to the socket. Invariants: success gives a known method, an object
 * for params and an id that is a string, an integer or null (or none: a notification); failure
 * gives one of the JSON-RPC error codes with a message, and an id only of those types. */
#include "daemon/rpc_parse.h"
#include "fuzz.h"

#include <string.h>

static int id_ok(const json_t *id)
{
    return !id || json_is_string(id) || json_is_integer(id) || json_is_null(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpc_request_t r;
    memset(&r, 0, sizeof r);
    char msg[256] = "";
    int rc = rpc_parse_request((const char *)data, size, &r, msg, sizeof msg);
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(r.method < RPC_N_METHODS && rpc_method_name(r.method) != NULL);
        FUZZ_ASSERT(json_is_object(r.params));
        FUZZ_ASSERT(id_ok(r.id));
    } else {
        FUZZ_ASSERT(rc == RPC_PARSE_ERROR || rc == RPC_INVALID_REQUEST ||
                    rc == RPC_METHOD_NOT_FOUND || rc == RPC_INVALID_PARAMS || rc == RPC_TOO_LARGE);
        FUZZ_ASSERT(msg[0] != '\0');
        FUZZ_ASSERT(id_ok(r.id));
    }
    rpc_request_clear(&r);
    return 0;
}
