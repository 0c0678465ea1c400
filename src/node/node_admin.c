/* The node's admin socket (see node_admin.h). */
#define _GNU_SOURCE /* accept4, SO_PEERCRED, struct ucred */
#include "node/node_admin.h"

#include "common/err.h"
#include "common/hex.h"
#include "dnasync/status.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 512    /* a request line is "local" and a key: far below */
#define READ_MS 2000   /* a client has this long to send its line */
#define WRITE_MS 20000 /* and to take the answer (100,000 values: ~10 MB) */

struct node_admin {
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* 1 when something accepts connections on path (a live node), 0 when not. */
static int in_use(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    close(fd);
    return live;
}

int node_admin_open(const char *path, node_admin_t **out, char *err, size_t errlen)
{
    *out = NULL;
    node_admin_t *a = calloc(1, sizeof *a);
    if (!a)
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
    if (strlen(path) >= sizeof a->path) {
        free(a);
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL,
                               "admin socket path %s is too long (at most %zu bytes)", path,
                               sizeof a->path - 1);
    }
    memcpy(a->path, path, strlen(path) + 1);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, a->path, sizeof sa.sun_path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode) || in_use(&sa)) {
            free(a);
            return dnasync_err_buf(err, errlen, DNASYNC_EIO, "admin socket %s is in use (%s)", path,
                                   S_ISSOCK(st.st_mode) ? "another node answers on it"
                                                        : "not a socket");
        }
        unlink(path); /* left by a node killed with SIGKILL */
    }
    a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a->fd < 0) {
        int e = errno;
        free(a);
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "admin socket %s: %s", path, strerror(e));
    }
    mode_t old = umask(0177); /* born 0600: no window where another user could connect */
    int rc = bind(a->fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || listen(a->fd, 8) != 0) {
        int e = errno;
        close(a->fd);
        free(a);
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot serve admin socket %s: %s", path,
                               strerror(e));
    }
    *out = a;
    return DNASYNC_OK;
}

/* Reads one line (without its newline) within READ_MS; -1 when none came, -2 when too long. */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    long end = now_ms() + READ_MS;
    for (long left; (left = end - now_ms()) > 0;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        char *nl = memchr(buf, '\n', n);
        if (nl) {
            *nl = '\0';
            if (nl > buf && nl[-1] == '\r')
                nl[-1] = '\0';
            return 0;
        }
        if (n == cap - 1)
            return -2;
    }
    return -1;
}

static void write_all(int fd, const char *s, size_t len)
{
    long end = now_ms() + WRITE_MS;
    for (long left; len && (left = end - now_ms()) > 0;) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t w = send(fd, s, len, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return; /* the client left */
        s += w;
        len -= (size_t)w;
    }
}

static json_t *error_answer(const char *fmt, const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, arg);
    return json_pack("{s:s}", "error", msg);
}

/* "nodes": the routing table's good nodes (which side of a healed cut this node knows). */
static json_t *nodes_answer(dht_storage_context_t *ctx)
{
    char list[8192];
    uint32_t n = 0;
    if (dht_storage_nodes(ctx, list, sizeof list, &n) != 0)
        return error_answer("%s", dht_storage_errmsg(ctx));
    return json_pack("{s:i,s:s}", "good", (int)n, "nodes", list);
}

static json_t *answer(dht_storage_context_t *ctx, const char *req)
{
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    const uint8_t *kp = NULL;
    if (strcmp(req, "nodes") == 0)
        return nodes_answer(ctx);
    if (strncmp(req, "local ", 6) == 0) {
        if (strlen(req + 6) != 2 * sizeof key || dnasync_hex_decode(req + 6, key, sizeof key))
            return error_answer("a key is 40 hex digits, not '%.60s'", req + 6);
        kp = key;
    } else if (strcmp(req, "local") != 0) {
        return error_answer("unknown request '%.60s' (try 'local', 'local KEYHEX' or 'nodes')",
                            req);
    }
    dht_storage_stats_t st;
    dht_local_value_t *v = NULL;
    size_t n = 0;
    int truncated = 0;
    if (dht_storage_stats(ctx, &st) != 0 ||
        dht_storage_local(ctx, kp, NODE_ADMIN_MAX_VALUES, &v, &n, &truncated) != 0)
        return error_answer("%s", dht_storage_errmsg(ctx));
    json_t *vals = json_array();
    for (size_t i = 0; vals && i < n; i++) {
        char kh[2 * DNASYNC_DHT_KEY_BYTES + 1], id[17];
        dnasync_hex_encode(v[i].key, sizeof v[i].key, kh);
        snprintf(id, sizeof id, "%016llx", (unsigned long long)v[i].id);
        json_array_append_new(vals, json_pack("{s:s,s:s,s:i,s:I,s:I}", "key", kh, "id", id, "type",
                                              (int)v[i].type, "size", (json_int_t)v[i].len,
                                              "version", (json_int_t)v[i].version));
    }
    free(v);
    return json_pack("{s:s,s:o,s:b}", "node_id", st.node_id, "values", vals, "truncated",
                     truncated);
}

void node_admin_poll(node_admin_t *a, dht_storage_context_t *ctx, int wait_ms)
{
    struct pollfd p = {.fd = a->fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) <= 0)
        return;
    int c = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return;
    struct ucred cred;
    socklen_t clen = sizeof cred;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != geteuid()) {
        close(c); /* another user: not a word (the 0600 mode should have kept it out) */
        return;
    }
    char req[REQ_MAX];
    int rc = read_line(c, req, sizeof req);
    json_t *ans = rc == 0    ? answer(ctx, req)
                  : rc == -2 ? error_answer("request too long (at most %s bytes)", "511")
                             : NULL;
    char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
    json_decref(ans);
    if (text) {
        write_all(c, text, strlen(text));
        write_all(c, "\n", 1);
        free(text);
    }
    close(c);
}

void node_admin_close(node_admin_t *a)
{
    if (!a)
        return;
    close(a->fd);
    unlink(a->path);
    free(a);
}
