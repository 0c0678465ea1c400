/* The JSON-RPC methods (methods.h): parameters become a dnasync command line, its --json
 * output lines become the result. */
#define _POSIX_C_SOURCE 200809L
#include "daemon/methods.h"

#include "daemon/exec.h"
#include "daemon/log.h"
#include "daemon/ready.h"
#include "dht/dht.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGV 64

static char *dump_line(json_t *msg)
{
    char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *line = realloc(s, n + 2);
    if (!line) {
        free(s);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    return line;
}

char *rpc_error_line(const json_t *id, int code, const char *message, json_t *data)
{
    json_t *err = json_pack("{s:i,s:s}", "code", code, "message", message);
    if (err && data)
        json_object_set_new(err, "data", data);
    else
        json_decref(data);
    return dump_line(json_pack("{s:s,s:O?,s:o}", "jsonrpc", "2.0", "id", id, "error", err));
}

char *rpc_result_line(const json_t *id, json_t *result)
{
    return dump_line(json_pack("{s:s,s:O?,s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

char *rpc_notification_line(const char *method, json_t *params)
{
    return dump_line(
        json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params", params));
}

/* The command line of a method (--json first). Numbers are written into nums. */
static size_t build_argv(const rpc_request_t *req, const char **argv, char nums[2][24])
{
    const json_t *p = req->params;
    size_t n = 0;
#define STR(k) json_string_value(json_object_get(p, k))
    if (req->method == RPC_CLI) {
        size_t i;
        const json_t *a;
        json_array_foreach(json_object_get(p, "argv"), i, a) argv[n++] = json_string_value(a);
        return n;
    }
    argv[n++] = "--json";
    switch (req->method) {
    case RPC_SEND:
        argv[n++] = "send", argv[n++] = "--", argv[n++] = STR("recipient");
        argv[n++] = STR("text");
        break;
    case RPC_SYNC: argv[n++] = "sync"; break;
    case RPC_INBOX:
        argv[n++] = "inbox";
        if (STR("conversation"))
            argv[n++] = "--conversation", argv[n++] = STR("conversation");
        if (json_object_get(p, "limit")) {
            snprintf(nums[0], 24, "%lld",
                     (long long)json_integer_value(json_object_get(p, "limit")));
            argv[n++] = "--limit", argv[n++] = nums[0];
        }
        break;
    case RPC_READ:
        argv[n++] = "read";
        if (json_is_true(json_object_get(p, "share")))
            argv[n++] = "--share";
        argv[n++] = "--", argv[n++] = STR("message_id");
        break;
    case RPC_DELETE: argv[n++] = "delete", argv[n++] = "--", argv[n++] = STR("message_id"); break;
    case RPC_STATUS: argv[n++] = "status"; break;
    case RPC_DAYS: argv[n++] = "status", argv[n++] = "--days"; break;
    case RPC_LINK_CODE:
        argv[n++] = "link-code", argv[n++] = "--passphrase", argv[n++] = STR("passphrase");
        if (json_object_get(p, "expires")) {
            snprintf(nums[0], 24, "%lld",
                     (long long)json_integer_value(json_object_get(p, "expires")));
            argv[n++] = "--expires", argv[n++] = nums[0];
        }
        break;
    case RPC_PRUNE:
        argv[n++] = "prune";
        if (json_object_get(p, "days")) {
            snprintf(nums[1], 24, "%lld",
                     (long long)json_integer_value(json_object_get(p, "days")));
            argv[n++] = "--days", argv[n++] = nums[1];
        }
        break;
    default: break;
    }
#undef STR
    return n;
}

/* Each stdout line as JSON (a line that is not JSON is skipped, said in the log). */
static json_t *parse_lines(const char *out)
{
    json_t *lines = json_array();
    for (const char *s = out; lines && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        json_t *v = json_loadb(s, len, 0, NULL);
        if (v)
            json_array_append_new(lines, v);
        else if (len)
            dlog(DLOG_WARN, "a command printed a line that is not JSON: %.80s", s);
        s += len + (nl ? 1 : 0);
    }
    return lines;
}

static int error_code_of(const char *kind)
{
    return kind && strcmp(kind, "usage") == 0 ? RPC_E_USAGE : RPC_E_FAILED;
}

/* status: the daemon's readiness, and its DHT node's routing table (good + dubious nodes and the
 * good ones; a node that left is dubious until OpenDHT gives it up), so a client can see what
 * joined or left its routing table (bench_daemon row 13c). No DHT node (a gateway): no counts. */
static void status_extras(dnasync_home_t *home, json_t *st)
{
    uint64_t ms;
    bool ready = daemon_is_ready(&ms);
    json_object_set_new(st, "ready", json_boolean(ready));
    json_object_set_new(st, "ready_ms", ready ? json_integer((json_int_t)ms) : json_null());
    dht_storage_context_t *dht = dnasync_home_dht(home);
    dht_storage_stats_t ds;
    if (dht && dht_storage_stats(dht, &ds) == 0) {
        json_object_set_new(st, "nodes", json_integer(ds.nodes));
        json_object_set_new(st, "nodes_good", json_integer(ds.nodes_good));
        json_object_set_new(st, "searches", json_integer(ds.searches));
    }
}

/* The command's --json output as a response. */
static char *response(dnasync_home_t *home, const rpc_request_t *req, const exec_result_t *r)
{
    json_t *lines = parse_lines(r->out);
    if (!lines)
        return NULL;
    json_t *err = NULL, *first = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(lines, i, v)
    {
        json_t *e = json_object_get(v, "error");
        if (json_is_object(e))
            err = e;
        else if (!first)
            first = v;
    }
    char *line;
    if (r->exit_code != 0 || err) {
        const char *kind = json_string_value(json_object_get(err, "code"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        json_t *data =
            json_pack("{s:s,s:i}", "kind", kind ? kind : "failed", "exit_code", r->exit_code);
        if (data && first) /* what did succeed (sync: its counts) */
            json_object_set(data, "result", first);
        line = rpc_error_line(req->id, error_code_of(kind),
                              msg ? msg : (*r->err ? r->err : "the command failed"), data);
    } else if (req->method == RPC_INBOX || req->method == RPC_DAYS) {
        if (req->method == RPC_DAYS) /* the status object comes first */
            json_array_remove(lines, 0);
        line = rpc_result_line(req->id, json_incref(lines));
    } else {
        if (req->method == RPC_STATUS && first)
            status_extras(home, first);
        line = rpc_result_line(req->id, first ? json_incref(first) : json_object());
    }
    json_decref(lines);
    return line;
}

/* key = the text when it is UTF-8 (as a JSON string must be); else key_base64 = its bytes
 * in base64 (a message's text is the sender's bytes and need not be UTF-8). */
int rpc_put_text(json_t *obj, const char *key, const char *text)
{
    size_t n = strlen(text);
    json_t *s = json_stringn(text, n);
    if (s)
        return json_object_set_new(obj, key, s);
    char *b64 = malloc(4 * ((n + 2) / 3) + 1), k[32];
    if (!b64)
        return -1;
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text, (int)n);
    snprintf(k, sizeof k, "%s_base64", key);
    int rc = json_object_set_new(obj, k, json_string(b64));
    free(b64);
    return rc;
}

char *method_run(dnasync_home_t *home, const char *dir, const rpc_request_t *req)
{
    const char *argv[MAX_ARGV];
    char nums[2][24];
    size_t argc = build_argv(req, argv, nums);
    exec_result_t r;
    if (exec_command(home, dir, argc, argv, &r) != 0)
        return rpc_error_line(req->id, RPC_INTERNAL_ERROR, "cannot capture the command's output",
                              NULL);
    if (*r.err && req->method != RPC_CLI)
        dlog(DLOG_WARN, "%s: %s", rpc_method_name(req->method), r.err);
    char *line;
    if (req->method == RPC_CLI) {
        json_t *res = json_pack("{s:i}", "exit_code", r.exit_code);
        if (res &&
            (rpc_put_text(res, "stdout", r.out) != 0 || rpc_put_text(res, "stderr", r.err) != 0))
            json_decref(res), res = NULL;
        line = res ? rpc_result_line(req->id, res) : NULL;
    } else
        line = response(home, req, &r);
    exec_result_free(&r);
    return line;
}
