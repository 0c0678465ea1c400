/* `dnasync node --admin-socket PATH`: one node's own store, asked over a local Unix socket
 * (docs/node-admin in docs/scale.md). A value put through the network is listed by the node
 * that holds it, with its key, id, type and size; a key it does not hold lists nothing; bad
 * requests get an error line and the node keeps serving; bad options and a socket already in
 * use are refused with a clear message; a clean stop removes the socket. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dht_testutil.h"
#include "proc.h"
#include "testenv.h"

#include "common/hex.h"
#include "dht/dht_codec.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* Sends one request line, returns the answer line parsed (NULL when none came). */
static json_t *ask(const char *request)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, sock_path, sizeof sa.sun_path);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    struct timeval tv = {10, 0}; /* generous: the node answers between its DHT steps */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK(write(fd, request, strlen(request)) == (ssize_t)strlen(request));
    static char buf[1 << 20];
    size_t n = 0;
    for (ssize_t r; n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0;)
        n += (size_t)r;
    close(fd);
    buf[n] = '\0';
    CHECK(n > 0 && buf[n - 1] == '\n'); /* one whole line, then the node closed */
    json_error_t e;
    json_t *j = json_loads(buf, 0, &e);
    if (!j)
        fprintf(stderr, "not JSON: %s\n", buf);
    CHECK(j);
    return j;
}

/* The entry of `id` at `key` in an answer's "values", or NULL. */
static json_t *find(json_t *ans, const char *key, const char *id)
{
    json_t *vals = json_object_get(ans, "values"), *v;
    size_t i;
    CHECK(json_is_array(vals));
    json_array_foreach(vals, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "key")), key) == 0 &&
            strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
            return v;
    }
    return NULL;
}

/* alice's summary of her mailbox for day, edition `counter` (one shard entry). */
static void summary(uint8_t **out, size_t *len, uint64_t *id, uint64_t day, uint64_t counter)
{
    uint8_t sk[32];
    tu_seed(sk, 7);
    dht_summary_entry_t e = {3, 1, 0x1234u};
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_SUMMARY;
    v.created_at = day * DNASYNC_DAY_S + 60u;
    v.mailbox = "alice";
    v.day = day;
    v.writer_id[0] = 7;
    v.counter = counter;
    v.entries = &e;
    v.n_entries = 1;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
    *id = dht_value_id(&v);
}

static void check_error(const char *request, const char *words)
{
    json_t *a = ask(request);
    const char *msg = json_string_value(json_object_get(a, "error"));
    if (!msg || !strstr(msg, words))
        fprintf(stderr, "%s -> %s\n", request, msg ? msg : "(no error)");
    CHECK(msg && strstr(msg, words));
    CHECK(!json_object_get(a, "values"));
    json_decref(a);
}

int main(void)
{
    char *dir = test_tmpdir("nodelocal");
    char log[4300], log2[4300], log3[4300];
    CHECK(snprintf(sock_path, sizeof sock_path, "%s/admin.sock", dir) < (int)sizeof sock_path);
    snprintf(log, sizeof log, "%s/node.log", dir);
    snprintf(log2, sizeof log2, "%s/node2.log", dir);
    snprintf(log3, sizeof log3, "%s/node3.log", dir);

    /* bad options: usage errors, nothing started */
    char *no_value[] = {(char *)DNASYNC_CLI_PATH, "node", "--admin-socket", NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(no_value, NULL, 30, &r), 0);
    CHECK_EQ_INT(r.exit_code, 2);
    CHECK(strstr(r.err, "--admin-socket"));
    proc_result_free(&r);
    char nowhere[4400];
    snprintf(nowhere, sizeof nowhere, "%s/missing/dir/admin.sock", dir);
    char *bad_dir[] = {(char *)DNASYNC_CLI_PATH, "node",  "--bind", "127.0.0.1",
                       "--admin-socket",         nowhere, NULL};
    CHECK_EQ_INT(proc_run(bad_dir, NULL, 30, &r), 0);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, nowhere));
    proc_result_free(&r);

    char *argv[] = {(char *)DNASYNC_CLI_PATH, "node",    "--bind", "127.0.0.1",
                    "--admin-socket",         sock_path, NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "listening on", 30);
    CHECK(text);
    int port = 0;
    CHECK(sscanf(strstr(text, "listening on 127.0.0.1:") + 23, "%d", &port) == 1);
    free(text);
    struct stat st;
    CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);

    /* a second node on the same socket path is refused; the first keeps it */
    char *twin[] = {(char *)DNASYNC_CLI_PATH, "node",    "--bind", "127.0.0.1",
                    "--admin-socket",         sock_path, NULL};
    CHECK_EQ_INT(proc_run(twin, NULL, 30, &r), 0);
    CHECK_EQ_INT(r.exit_code, 1);
    CHECK(strstr(r.err, "in use"));
    proc_result_free(&r);

    /* a message put through the network by a device node that knows only this node */
    char boot[64];
    snprintf(boot, sizeof boot, "127.0.0.1:%d", port);
    dht_storage_context_t *ctx = tu_ctx(boot, NULL);
    tu_wait_peers(ctx, 1);
    uint8_t sk[32], key[DNASYNC_DHT_KEY_BYTES], other[DNASYNC_DHT_KEY_BYTES];
    tu_seed(sk, 7);
    uint8_t *val;
    size_t len;
    uint64_t now = (uint64_t)time(NULL);
    tu_message(&val, &len, 1, "alice", "bob", 300, now, sk);
    CHECK_EQ_INT(tu_put_value(ctx, val, len, now, key), 0);
    dht_value_t dv;
    CHECK_EQ_INT(dht_value_decode(val, len, &dv), 0);
    char id[17], keyhex[41], otherhex[41], req[128];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)dht_value_id(&dv));
    dnasync_hex_encode(key, sizeof key, keyhex);
    CHECK_EQ_INT(dht_key_box(other, "carol", dht_upload_day(now), 0), 0);
    dnasync_hex_encode(other, sizeof other, otherhex);

    /* the node lists it at its key: id, type, size */
    snprintf(req, sizeof req, "local %s\n", keyhex);
    json_t *a = ask(req);
    CHECK(json_is_string(json_object_get(a, "node_id")) &&
          strlen(json_string_value(json_object_get(a, "node_id"))) == 40);
    json_t *v = find(a, keyhex, id);
    CHECK(v);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "type")), DNASYNC_DHT_TYPE_MESSAGE);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "size")), (long long)len);
    CHECK(json_is_integer(json_object_get(v, "version")));
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "version")), 0); /* not a summary */
    CHECK(json_is_false(json_object_get(a, "truncated")));
    json_decref(a);

    /* a summary: the edition the node holds (its counter) */
    uint8_t *sum;
    size_t sum_len;
    uint64_t sum_id;
    uint8_t sum_key[DNASYNC_DHT_KEY_BYTES];
    char sum_idhex[17], sum_keyhex[41];
    summary(&sum, &sum_len, &sum_id, (uint64_t)dht_upload_day(now), 5);
    CHECK_EQ_INT(tu_put_value(ctx, sum, sum_len, now, sum_key), 0);
    snprintf(sum_idhex, sizeof sum_idhex, "%016llx", (unsigned long long)sum_id);
    dnasync_hex_encode(sum_key, sizeof sum_key, sum_keyhex);
    snprintf(req, sizeof req, "local %s\n", sum_keyhex);
    a = ask(req);
    v = find(a, sum_keyhex, sum_idhex);
    CHECK(v);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "type")), DNASYNC_DHT_TYPE_SUMMARY);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "version")), 5);
    json_decref(a);
    free(sum);

    /* the whole store holds it too (and the sender's bucket: two keys) */
    a = ask("local\n");
    CHECK(find(a, keyhex, id));
    CHECK(json_array_size(json_object_get(a, "values")) >= 2);
    json_decref(a);

    /* a key it does not hold: an empty list, not an error */
    snprintf(req, sizeof req, "local %s\n", otherhex);
    a = ask(req);
    CHECK(!json_object_get(a, "error"));
    CHECK_EQ_INT(json_array_size(json_object_get(a, "values")), 0);
    json_decref(a);

    /* bad requests: an error line each, and the node still answers after them */
    check_error("local 12zz\n", "40 hex");
    check_error("local\t\n", "unknown request");
    check_error("put something\n", "unknown request");
    char longreq[600];
    memset(longreq, 'a', sizeof longreq - 2);
    longreq[sizeof longreq - 2] = '\n';
    longreq[sizeof longreq - 1] = '\0';
    check_error(longreq, "too long");
    snprintf(req, sizeof req, "local %s\n", keyhex);
    a = ask(req);
    CHECK(find(a, keyhex, id));
    json_decref(a);

    dht_value_clear(&dv);
    free(val);
    dht_storage_free(ctx);
    CHECK_EQ_INT(proc_stop(pid, 20), 0);
    CHECK(stat(sock_path, &st) != 0); /* a clean stop removes the socket */

    /* a stale socket file (a node killed with SIGKILL leaves one) is taken over */
    pid = proc_spawn(argv, log2);
    CHECK(pid > 0);
    text = proc_wait_for_text(log2, "listening on", 30);
    CHECK(text);
    free(text);
    CHECK(kill(pid, SIGKILL) == 0);
    CHECK(proc_stop(pid, 20) != 0);
    CHECK(stat(sock_path, &st) == 0);
    pid = proc_spawn(argv, log3);
    CHECK(pid > 0);
    text = proc_wait_for_text(log3, "listening on", 30);
    CHECK(text);
    free(text);
    a = ask("local\n");
    CHECK(json_is_array(json_object_get(a, "values")));
    json_decref(a);
    CHECK_EQ_INT(proc_stop(pid, 20), 0);

    test_rmtree(dir);
    free(dir);
    return 0;
}
