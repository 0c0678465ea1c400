#define _POSIX_C_SOURCE 200809L
#include "daemon_testutil.h"

#include "check.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

char dt_boot[2][64];

static pid_t start_node(const char *dir, const char *name, const char *bootstrap, char *addr)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "node",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "0",
                    bootstrap ? "--bootstrap" : NULL,
                    (char *)bootstrap,
                    NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "listening on", 30);
    CHECK(text);
    char *p = strstr(text, "listening on ");
    CHECK(p && sscanf(p, "listening on %63s", addr) == 1);
    free(text);
    return pid;
}

void dt_start_nodes(const char *dir, pid_t pids[2])
{
    pids[0] = start_node(dir, "node1", NULL, dt_boot[0]);
    pids[1] = start_node(dir, "node2", dt_boot[0], dt_boot[1]);
}

proc_result_t dt_cli(const char *home, int json, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)DNASYNC_CLI_PATH;
    argv[n++] = "--home";
    argv[n++] = (char *)home;
    argv[n++] = "--bootstrap";
    argv[n++] = dt_boot[0];
    argv[n++] = "--bootstrap";
    argv[n++] = dt_boot[1];
    if (json)
        argv[n++] = "--json";
    va_list ap;
    va_start(ap, json);
    const char *a;
    while (n < 63 && (a = va_arg(ap, const char *)))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 90, &r), 0);
    return r;
}

pid_t dt_start_daemon(const char *home, const char *log)
{
    return dt_start_daemon_with(home, log, NULL);
}

pid_t dt_start_daemon_with(const char *home, const char *log, const char *const *opts)
{
    char *argv[16] = {(char *)DNASYNC_CLI_PATH, "--home", (char *)home};
    int n = 3;
    for (size_t i = 0; opts && opts[i] && n < 14; i++)
        argv[n++] = (char *)opts[i];
    argv[n++] = "daemon";
    argv[n] = NULL;
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "serving:", 60);
    if (!text) {
        char *all = proc_wait_for_text(log, "", 1);
        fprintf(stderr, "daemon on %s did not start:\n%s\n", home, all ? all : "");
        free(all);
    }
    CHECK(text);
    free(text);
    return pid;
}

int dt_connect(dt_conn_t *c, const char *home)
{
    memset(c, 0, sizeof c[0]);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/dnasync.sock", home);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

void dt_close(dt_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof c[0]);
    c->fd = -1;
}

void dt_send(dt_conn_t *c, const char *line)
{
    size_t n = strlen(line), off = 0;
    while (off <= n) { /* the line, then its newline */
        const char *p = off < n ? line + off : "\n";
        size_t len = off < n ? n - off : 1;
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        CHECK(w > 0);
        off += (size_t)w;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *dt_line(dt_conn_t *c, int timeout_s)
{
    double deadline = now_s() + timeout_s;
    for (;;) {
        char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            char *line = malloc(n + 1);
            CHECK(line);
            memcpy(line, c->buf, n);
            line[n] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return line;
        }
        double left = deadline - now_s();
        if (left <= 0)
            return NULL;
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        if (c->len + 65536 > c->cap) {
            c->cap = (c->len + 65536) * 2;
            c->buf = realloc(c->buf, c->cap);
            CHECK(c->buf);
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r <= 0)
            return NULL;
        c->len += (size_t)r;
    }
}

json_t *dt_json(dt_conn_t *c, int timeout_s)
{
    char *line = dt_line(c, timeout_s);
    if (!line)
        return NULL;
    json_error_t e;
    json_t *v = json_loads(line, 0, &e);
    if (!v)
        fprintf(stderr, "not JSON from the daemon: %s\n", line);
    CHECK(v);
    free(line);
    return v;
}

json_t *dt_call(dt_conn_t *c, const char *line, int timeout_s)
{
    dt_send(c, line);
    for (int i = 0; i < 100000; i++) {
        json_t *v = dt_json(c, timeout_s);
        if (!v || json_object_get(v, "id"))
            return v;
        json_decref(v); /* a notification */
    }
    return NULL;
}
