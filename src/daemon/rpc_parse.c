/* Parsing and checking one JSON-RPC 2.0 request (rpc_parse.h). Pure: no I/O, no globals. */
#include "daemon/rpc_parse.h"

#include "common/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One parameter a method accepts. */
typedef struct param_spec {
    const char *name;
    int type; /* JSON_STRING, JSON_INTEGER, JSON_TRUE (any boolean), JSON_ARRAY */
    bool required;
    json_int_t max; /* integers: 0..max; strings: length 1..max bytes; arrays: 1..max items */
} param_spec_t;

#define MAX_PARAMS 4
#define ID_HEX 64

static const struct method_spec {
    const char *name;
    param_spec_t params[MAX_PARAMS];
} methods[RPC_N_METHODS] = {
    [RPC_SEND] = {"send",
                  {{"recipient", JSON_STRING, true, 1024}, {"text", JSON_STRING, true, 32768}}},
    [RPC_SYNC] = {"sync", {{0}}},
    [RPC_INBOX] = {"inbox",
                   {{"conversation", JSON_STRING, false, ID_HEX},
                    {"limit", JSON_INTEGER, false, 1000000}}},
    [RPC_READ] = {"read",
                  {{"message_id", JSON_STRING, true, ID_HEX}, {"share", JSON_TRUE, false, 0}}},
    [RPC_DELETE] = {"delete", {{"message_id", JSON_STRING, true, ID_HEX}}},
    [RPC_STATUS] = {"status", {{0}}},
    [RPC_DAYS] = {"days", {{0}}},
    [RPC_LINK_CODE] = {"link_code",
                       {{"passphrase", JSON_STRING, true, 1023},
                        {"expires", JSON_INTEGER, false, 604800}}},
    [RPC_PRUNE] = {"prune", {{"days", JSON_INTEGER, false, 36500}}},
    [RPC_SUBSCRIBE] = {"subscribe", {{0}}},
    [RPC_CLI] = {"cli", {{"argv", JSON_ARRAY, true, 64}}},
};

const char *rpc_method_name(rpc_method_t m)
{
    return (unsigned)m < RPC_N_METHODS ? methods[m].name : NULL;
}

static const char *type_name(int type)
{
    switch (type) {
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_TRUE: return "a boolean";
    default: return "an array of strings";
    }
}

static bool type_ok(const param_spec_t *p, const json_t *v)
{
    if (p->type == JSON_TRUE)
        return json_is_boolean(v);
    if (!json_is_array(v))
        return json_typeof(v) == (json_type)p->type;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) if (!json_is_string(item)) return false;
    return true;
}

static bool range_ok(const param_spec_t *p, const json_t *v)
{
    switch (p->type) {
    case JSON_INTEGER: return json_integer_value(v) >= 0 && json_integer_value(v) <= p->max;
    case JSON_STRING:
        return json_string_length(v) >= 1 && json_string_length(v) <= (size_t)p->max &&
               strlen(json_string_value(v)) == json_string_length(v); /* no NUL inside */
    case JSON_ARRAY: return json_array_size(v) >= 1 && json_array_size(v) <= (size_t)p->max;
    default: return true;
    }
}

static int check_params(const struct method_spec *m, const json_t *params, char *msg, size_t msglen)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)params, key, v)
    {
        const param_spec_t *p = NULL;
        for (int i = 0; i < MAX_PARAMS && m->params[i].name; i++)
            if (strcmp(m->params[i].name, key) == 0)
                p = &m->params[i];
        if (!p)
            return dnasync_err_buf(msg, msglen, RPC_INVALID_PARAMS, "%s: unknown parameter '%.64s'",
                                   m->name, key);
        if (!type_ok(p, v))
            return dnasync_err_buf(msg, msglen, RPC_INVALID_PARAMS, "%s: '%s' must be %s", m->name,
                                   key, type_name(p->type));
        if (!range_ok(p, v))
            return dnasync_err_buf(
                msg, msglen, RPC_INVALID_PARAMS, "%s: '%s' is out of range (%s %lld)", m->name, key,
                p->type == JSON_INTEGER ? "0 to" : "size 1 to", (long long)p->max);
    }
    for (int i = 0; i < MAX_PARAMS && m->params[i].name; i++)
        if (m->params[i].required && !json_object_get(params, m->params[i].name))
            return dnasync_err_buf(msg, msglen, RPC_INVALID_PARAMS, "%s: '%s' is required", m->name,
                                   m->params[i].name);
    return 0;
}

void rpc_request_clear(rpc_request_t *r)
{
    json_decref(r->id);
    json_decref(r->params);
    r->id = r->params = NULL;
}

int rpc_parse_request(const char *line, size_t len, rpc_request_t *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    if (len > RPC_MAX_LINE)
        return dnasync_err_buf(msg, msglen, RPC_TOO_LARGE, "request line longer than %d bytes",
                               RPC_MAX_LINE);
    json_error_t je;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!req)
        return dnasync_err_buf(msg, msglen, RPC_PARSE_ERROR, "not JSON: %s (column %d)", je.text,
                               je.column);
    int rc = 0;
    json_t *id = json_object_get(req, "id");
    if (id && (json_is_string(id) || json_is_integer(id) || json_is_null(id)))
        out->id = json_incref(id);
    const json_t *ver = json_object_get(req, "jsonrpc");
    const json_t *meth = json_object_get(req, "method");
    json_t *params = json_object_get(req, "params");
    if (!json_is_object(req))
        rc = dnasync_err_buf(msg, msglen, RPC_INVALID_REQUEST, "a request is a JSON object");
    else if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
        rc = dnasync_err_buf(msg, msglen, RPC_INVALID_REQUEST, "\"jsonrpc\" must be \"2.0\"");
    else if (id && !out->id)
        rc = dnasync_err_buf(msg, msglen, RPC_INVALID_REQUEST,
                             "\"id\" must be a string, integer or null");
    else if (!json_is_string(meth))
        rc = dnasync_err_buf(msg, msglen, RPC_INVALID_REQUEST, "\"method\" must be a string");
    else if (params && !json_is_object(params))
        rc = dnasync_err_buf(msg, msglen, RPC_INVALID_PARAMS,
                             "\"params\" must be an object (by name)");
    if (rc == 0) {
        const char *name = json_string_value(meth);
        int m = 0;
        while (m < RPC_N_METHODS && strcmp(methods[m].name, name) != 0)
            m++;
        if (m == RPC_N_METHODS)
            rc = dnasync_err_buf(msg, msglen, RPC_METHOD_NOT_FOUND, "no method '%.64s'", name);
        else {
            out->method = (rpc_method_t)m;
            out->params = params ? json_incref(params) : json_object();
            if (!out->params)
                rc = dnasync_err_buf(msg, msglen, RPC_INTERNAL_ERROR, "out of memory");
            else
                rc = check_params(&methods[m], out->params, msg, msglen);
        }
    }
    json_decref(req);
    if (rc != 0) {
        json_decref(out->params);
        out->params = NULL;
    }
    return rc;
}
