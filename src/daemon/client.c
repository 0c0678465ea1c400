/* The dnasync command as a client of its home's daemon (client.h). */
#define _POSIX_C_SOURCE 200809L
#include "daemon/client.h"

#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int client_connect(const char *home)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if ((size_t)snprintf(a.sun_path, sizeof a.sun_path, "%s/dnasync.sock", home) >=
        sizeof a.sun_path)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_line(int fd, json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!s)
        return -1;
    size_t n = strlen(s), off = 0;
    int rc = 0;
    while (rc == 0 && off <= n) { /* the line, then its newline */
        const char *p = off < n ? s + off : "\n";
        ssize_t w = send(fd, p, off < n ? n - off : 1, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = -1;
        else
            off += (size_t)w;
    }
    free(s);
    return rc;
}

/* One line from fd as JSON (buffered in *buf); NULL at EOF or when stop_fd is readable. */
typedef struct reader {
    char *buf;
    size_t len, cap;
} reader_t;

static json_t *read_json(int fd, int stop_fd, reader_t *r, int *stopped)
{
    for (;;) {
        char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - r->buf);
            json_t *v = json_loadb(r->buf, n, 0, NULL);
            memmove(r->buf, nl + 1, r->len - n - 1);
            r->len -= n + 1;
            if (v)
                return v;
            continue; /* not JSON: not from our daemon; skip it */
        }
        struct pollfd pf[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        if (poll(pf, stop_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (stop_fd >= 0 && pf[1].revents) {
            *stopped = 1;
            return NULL;
        }
        if (r->len + 65536 > r->cap) {
            size_t cap = (r->len + 65536) * 2;
            char *p = realloc(r->buf, cap);
            if (!p)
                return NULL;
            r->buf = p;
            r->cap = cap;
        }
        ssize_t got = recv(fd, r->buf + r->len, r->cap - r->len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return NULL;
        r->len += (size_t)got;
    }
}

char *client_text(const json_t *obj, const char *key, size_t *len)
{
    const json_t *s = json_object_get(obj, key);
    if (json_is_string(s)) {
        *len = json_string_length(s);
        char *out = malloc(*len + 1);
        if (out)
            memcpy(out, json_string_value(s), *len + 1);
        return out;
    }
    char k[32];
    snprintf(k, sizeof k, "%s_base64", key);
    const char *b64 = json_string_value(json_object_get(obj, k));
    if (!b64)
        return NULL;
    size_t n = strlen(b64);
    unsigned char *raw = malloc(n / 4 * 3 + 4);
    int got = raw ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n) : -1;
    if (got < 0) {
        free(raw);
        return NULL;
    }
    while (got > 0 && n > 0 && b64[n - 1] == '=') /* DecodeBlock counts the padding */
        got--, n--;
    raw[got] = '\0';
    *len = (size_t)got;
    return (char *)raw;
}

/* Writes obj[key] (or the bytes of obj[key_base64]) to out. */
static void put(FILE *out, const json_t *obj, const char *key)
{
    size_t len = 0;
    char *t = client_text(obj, key, &len);
    if (t)
        fwrite(t, 1, len, out);
    free(t);
}

/* The `cli` method; what the command printed is printed here unless it exited 0 and quiet. */
static int run_cli(const char *home, int argc, char **argv, bool quiet)
{
    json_t *args = json_array();
    for (int i = 0; args && i < argc; i++) {
        json_t *s = json_string(argv[i]); /* NULL: not UTF-8 */
        if (!s || json_array_append_new(args, s) != 0) {
            json_decref(args);
            return -1;
        }
    }
    int fd = args ? client_connect(home) : -1;
    if (fd < 0) {
        json_decref(args);
        return -1;
    }
    int rc = send_line(fd, json_pack("{s:s,s:i,s:s,s:{s:o}}", "jsonrpc", "2.0", "id", 1, "method",
                                     "cli", "params", "argv", args));
    reader_t r = {0};
    int stopped = 0;
    json_t *resp = rc == 0 ? read_json(fd, -1, &r, &stopped) : NULL;
    free(r.buf);
    close(fd);
    const json_t *res = json_object_get(resp, "result");
    int code;
    if (json_is_object(res) && quiet &&
        json_integer_value(json_object_get(res, "exit_code")) == 0) {
        code = 0;
    } else if (json_is_object(res)) {
        fflush(stdout);
        put(stdout, res, "stdout");
        fflush(stdout);
        put(stderr, res, "stderr");
        code = (int)json_integer_value(json_object_get(res, "exit_code"));
    } else {
        const char *msg =
            json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
        fprintf(stderr, "dnasync: the daemon of %s %s%s\n", home,
                msg ? "refused the command: " : "closed the connection before answering",
                msg ? msg : "");
        code = 1;
    }
    json_decref(resp);
    return code;
}

int client_run_command(const char *home, int argc, char **argv)
{
    return run_cli(home, argc, argv, false);
}

int client_check_command(const char *home, int argc, char **argv)
{
    return run_cli(home, argc, argv, true);
}

int client_subscribe(int fd, int stop_fd, client_notify_cb cb, void *user)
{
    if (send_line(
            fd, json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 1, "method", "subscribe")) != 0)
        return -1;
    reader_t r = {0};
    int stopped = 0, rc = -1;
    json_t *v;
    while ((v = read_json(fd, stop_fd, &r, &stopped)) != NULL) {
        const char *method = json_string_value(json_object_get(v, "method"));
        if (method)
            cb(user, method, json_object_get(v, "params"));
        else if (json_object_get(v, "error"))
            stopped = -1;
        else
            rc = 1; /* subscribed */
        json_decref(v);
        if (stopped < 0)
            break;
    }
    free(r.buf);
    if (stopped < 0)
        return -1;
    return stopped ? 0 : rc;
}
