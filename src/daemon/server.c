/* The daemon's socket (server.h). One poll thread does all socket I/O; one worker thread runs
 * the requests, one at a time, in arrival order; notifications are appended to subscribers'
 * output under the same mutex from whatever thread has them. Nothing here blocks on a client:
 * sockets are non-blocking, and a subscriber whose unread backlog passes
 * SERVER_MAX_SUB_BACKLOG is dropped. */
#define _GNU_SOURCE /* accept4, SO_PEERCRED, struct ucred */
#include "daemon/server.h"

#include "common/cond.h"
#include "common/err.h"
#include "daemon/exec.h"
#include "daemon/log.h"
#include "daemon/methods.h"
#include "daemon/rpc_parse.h"
#include "dnasync/env.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUT (160u << 20) /* bytes of unsent responses before a client is dropped */
#define READ_CHUNK 65536

typedef struct client {
    int fd; /* -1: free slot */
    uint64_t id;
    char *in;
    size_t in_len, in_cap;
    bool discarding; /* skipping the rest of an oversized line */
    char *out;
    size_t out_len, out_cap;
    bool subscribed, drop;
    int pending;
} client_t;

typedef struct job {
    uint64_t client;
    rpc_request_t req;
} job_t;

struct server {
    dnasync_home_t *home;
    char dir[4096], path[4200];
    int listen_fd, wake_fd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    client_t cl[SERVER_MAX_CLIENTS];
    job_t jobs[SERVER_MAX_PENDING];
    size_t head, count;
    bool stop, threads;
    uint64_t next_id;
    pthread_t poll_th, work_th;
    /* worker only: which days were verified at the last look (day_verified notifications) */
    int64_t verified[64];
    size_t n_verified;
    bool looked;
    char last_error[256];
};

static void wake(server_t *s)
{
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof one) < 0) {
        /* the counter is full: the poll thread is awake anyway */
    }
}

static client_t *find(server_t *s, uint64_t id)
{
    for (int i = 0; i < SERVER_MAX_CLIENTS; i++)
        if (s->cl[i].fd >= 0 && s->cl[i].id == id)
            return &s->cl[i];
    return NULL;
}

/* Queue bytes for a client (mu held). A notification never grows a backlog past the bound:
 * the subscriber is dropped instead. */
static void out_append(client_t *c, const char *line, bool notification)
{
    size_t n = strlen(line);
    if (c->drop)
        return;
    if (c->out_len + n > (notification ? SERVER_MAX_SUB_BACKLOG : MAX_OUT)) {
        dlog(DLOG_WARN, "client %llu: %zu bytes unread, dropped", (unsigned long long)c->id,
             c->out_len);
        c->drop = true;
        return;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = (c->out_len + n) * 2;
        char *p = realloc(c->out, cap);
        if (!p) {
            c->drop = true;
            return;
        }
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, line, n);
    c->out_len += n;
}

static void reply(client_t *c, char *line)
{
    if (line)
        out_append(c, line, false);
    else
        c->drop = true; /* out of memory: the client would wait for ever */
    free(line);
}

static void close_client(client_t *c)
{
    close(c->fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* One request line (mu held). */
static void handle_line(server_t *s, client_t *c, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return;
    rpc_request_t req;
    char msg[256];
    int rc = rpc_parse_request(line, len, &req, msg, sizeof msg);
    if (rc != 0) {
        reply(c, rpc_error_line(req.id, rc, msg, NULL));
        rpc_request_clear(&req);
        return;
    }
    if (req.method == RPC_SUBSCRIBE) {
        c->subscribed = true;
        reply(c, rpc_result_line(req.id, json_pack("{s:b}", "subscribed", 1)));
        rpc_request_clear(&req);
        return;
    }
    if (c->pending >= SERVER_MAX_PENDING_CLIENT || s->count >= SERVER_MAX_PENDING) {
        reply(c, rpc_error_line(req.id, RPC_BUSY, "too many pending requests; retry later", NULL));
        rpc_request_clear(&req);
        return;
    }
    job_t *j = &s->jobs[(s->head + s->count) % SERVER_MAX_PENDING];
    j->client = c->id;
    j->req = req;
    s->count++;
    c->pending++;
    pthread_cond_signal(&s->cv);
}

/* Read what the client sent and act on every complete line (mu held). */
static void read_client(server_t *s, client_t *c)
{
    char chunk[READ_CHUNK];
    ssize_t r = recv(c->fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        c->drop = true; /* gone (a subscription ends here) */
        return;
    }
    for (size_t i = 0; i < (size_t)r;) {
        char *nl = memchr(chunk + i, '\n', (size_t)r - i);
        size_t n = nl ? (size_t)(nl - (chunk + i)) : (size_t)r - i;
        if (!c->discarding) {
            if (c->in_len + n > RPC_MAX_LINE) {
                char msg[96];
                snprintf(msg, sizeof msg, "request line longer than %d bytes", RPC_MAX_LINE);
                reply(c, rpc_error_line(NULL, RPC_TOO_LARGE, msg, NULL));
                c->discarding = true;
                c->in_len = 0;
            } else {
                if (c->in_len + n > c->in_cap) {
                    size_t cap = (c->in_len + n) * 2 + 256;
                    char *p = realloc(c->in, cap);
                    if (!p) {
                        c->drop = true;
                        return;
                    }
                    c->in = p;
                    c->in_cap = cap;
                }
                memcpy(c->in + c->in_len, chunk + i, n);
                c->in_len += n;
            }
        }
        i += n;
        if (nl) {
            if (!c->discarding)
                handle_line(s, c, c->in, c->in_len);
            c->discarding = false;
            c->in_len = 0;
            i++;
        }
    }
}

static void flush_client(client_t *c)
{
    while (c->out_len > 0) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->drop = true;
            return;
        }
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
}

static void accept_client(server_t *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
        dlog(DLOG_WARN, "refused a client of uid %ld (pid %ld): only uid %ld may connect",
             (long)cred.uid, (long)cred.pid, (long)geteuid());
        close(fd); /* other users get nothing, not even an error */
        return;
    }
    for (int i = 0; i < SERVER_MAX_CLIENTS; i++) {
        if (s->cl[i].fd < 0) {
            s->cl[i].fd = fd;
            s->cl[i].id = ++s->next_id;
            return;
        }
    }
    char *line = rpc_error_line(NULL, RPC_BUSY, "too many clients; retry later", NULL);
    if (line && send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        /* best effort: the client sees the connection close */
    }
    free(line);
    close(fd);
}

static void *poll_main(void *arg)
{
    server_t *s = arg;
    struct pollfd pf[2 + SERVER_MAX_CLIENTS];
    int slot[2 + SERVER_MAX_CLIENTS];
    for (;;) {
        pthread_mutex_lock(&s->mu);
        if (s->stop) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        int n = 0;
        pf[n++] = (struct pollfd){s->listen_fd, POLLIN, 0};
        pf[n++] = (struct pollfd){s->wake_fd, POLLIN, 0};
        for (int i = 0; i < SERVER_MAX_CLIENTS; i++) {
            client_t *c = &s->cl[i];
            if (c->fd >= 0 && c->drop)
                close_client(c);
            if (c->fd < 0)
                continue;
            slot[n] = i;
            pf[n++] = (struct pollfd){c->fd, (short)(POLLIN | (c->out_len ? POLLOUT : 0)), 0};
        }
        pthread_mutex_unlock(&s->mu);
        if (poll(pf, (nfds_t)n, -1) < 0 && errno != EINTR)
            break;
        pthread_mutex_lock(&s->mu);
        if (pf[1].revents) {
            uint64_t v;
            if (read(s->wake_fd, &v, sizeof v) < 0) {
                /* nothing to read: woken by another fd */
            }
        }
        if (pf[0].revents & POLLIN)
            accept_client(s);
        for (int k = 2; k < n; k++) {
            client_t *c = &s->cl[slot[k]];
            if (c->fd != pf[k].fd || c->drop)
                continue;
            if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
                read_client(s, c);
            if (!c->drop)
                flush_client(c);
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

static void day_text(int64_t day, char out[16])
{
    time_t t = (time_t)(day * DNASYNC_DAY_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* day_verified for each day verified since the last look; error when the look fails
 * (worker thread, mu not held). */
static void look_at_days(server_t *s)
{
    sync_context_t *sync = dnasync_home_sync(s->home);
    sync_day_status_t *days = NULL;
    size_t n = 0;
    if (sync_get_days(sync, &days, &n) != 0) {
        const char *why = sync_errmsg(sync);
        if (strcmp(why, s->last_error) != 0) {
            snprintf(s->last_error, sizeof s->last_error, "%s", why);
            dlog(DLOG_ERROR, "cannot read the days' state: %s", why);
            server_notify(s, "error", json_pack("{s:s}", "message", why));
        }
        return;
    }
    s->last_error[0] = '\0';
    int64_t now[64] = {0};
    size_t m = 0;
    for (size_t i = 0; i < n && m < 64; i++) {
        if (!days[i].verified)
            continue;
        now[m++] = days[i].day;
        bool known = false;
        for (size_t k = 0; k < s->n_verified && !known; k++)
            known = s->verified[k] == days[i].day;
        if (!known && s->looked) {
            char d[16];
            day_text(days[i].day, d);
            server_notify(s, "day_verified", json_pack("{s:s}", "day", d));
        }
    }
    memcpy(s->verified, now, m * sizeof now[0]);
    s->n_verified = m;
    s->looked = true;
    free(days);
}

/* A request as the log names it: the method, and for `cli` the command it runs (never the
 * arguments: a message's text stays out of the log). */
static void request_name(const rpc_request_t *r, char *out, size_t len)
{
    const char *cmd = NULL;
    size_t i;
    const json_t *a;
    if (r->method == RPC_CLI)
        json_array_foreach(json_object_get(r->params, "argv"), i, a)
        {
            const char *s = json_string_value(a);
            if (!cmd && s && (exec_routable(s) || strcmp(s, "link-code") == 0))
                cmd = s;
        }
    snprintf(out, len, "%s%s%s", rpc_method_name(r->method), cmd ? " " : "", cmd ? cmd : "");
}

static void *work_main(void *arg)
{
    server_t *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        if (s->count == 0) {
            struct timespec ts;
            dnasync_deadline_ms(&ts, 2000); /* idle: look at the days every 2 s */
            if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT) {
                pthread_mutex_unlock(&s->mu);
                look_at_days(s);
                pthread_mutex_lock(&s->mu);
            }
            continue;
        }
        job_t job = s->jobs[s->head];
        s->head = (s->head + 1) % SERVER_MAX_PENDING;
        s->count--;
        pthread_mutex_unlock(&s->mu);
        uint64_t t0 = dnasync_env_now_ms(NULL);
        char *line = method_run(s->home, s->dir, &job.req);
        char name[48];
        request_name(&job.req, name, sizeof name);
        dlog(DLOG_INFO, "%s: answered in %llu ms", name,
             (unsigned long long)(dnasync_env_now_ms(NULL) - t0));
        pthread_mutex_lock(&s->mu);
        client_t *c = find(s, job.client);
        if (c) {
            c->pending--;
            reply(c, line);
            wake(s);
        } else {
            free(line);
        }
        pthread_mutex_unlock(&s->mu);
        rpc_request_clear(&job.req);
        look_at_days(s);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void server_notify(server_t *s, const char *method, json_t *params)
{
    char *line = rpc_notification_line(method, params);
    if (!line)
        return;
    pthread_mutex_lock(&s->mu);
    bool any = false;
    for (int i = 0; i < SERVER_MAX_CLIENTS && !s->stop; i++) {
        client_t *c = &s->cl[i];
        if (c->fd >= 0 && c->subscribed && !c->drop) {
            out_append(c, line, true);
            any = true;
        }
    }
    if (any)
        wake(s);
    pthread_mutex_unlock(&s->mu);
    free(line);
}

static int bind_socket(server_t *s, char *err, size_t errlen)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(s->path) >= sizeof a.sun_path)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL,
                               "socket path %s is longer than %zu bytes", s->path,
                               sizeof a.sun_path - 1);
    strcpy(a.sun_path, s->path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "socket: %s", strerror(errno));
    unlink(s->path);          /* stale from a killed daemon: the home lock says nobody serves it */
    mode_t old = umask(0177); /* born 0600: no window where another user could connect */
    int rc = bind(s->listen_fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (rc != 0 || chmod(s->path, 0600) != 0 || listen(s->listen_fd, 16) != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot listen on %s: %s", s->path,
                               strerror(errno));
    return 0;
}

int server_start(dnasync_home_t *home, const char *dir, server_t **out, char *err, size_t errlen)
{
    *out = NULL;
    server_t *s = calloc(1, sizeof *s);
    if (!s)
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
    s->home = home;
    s->listen_fd = s->wake_fd = -1;
    for (int i = 0; i < SERVER_MAX_CLIENTS; i++)
        s->cl[i].fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    dnasync_cond_init(&s->cv);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->path, sizeof s->path, "%s/dnasync.sock", dir);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = s->wake_fd < 0
                 ? dnasync_err_buf(err, errlen, DNASYNC_EIO, "eventfd: %s", strerror(errno))
                 : bind_socket(s, err, errlen);
    if (rc == 0 && pthread_create(&s->poll_th, NULL, poll_main, s) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_ERR, "cannot start a thread");
    if (rc == 0 && pthread_create(&s->work_th, NULL, work_main, s) != 0) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_mutex_unlock(&s->mu);
        wake(s);
        pthread_join(s->poll_th, NULL);
        rc = dnasync_err_buf(err, errlen, DNASYNC_ERR, "cannot start a thread");
    }
    if (rc != 0) {
        s->threads = false;
        server_stop(s);
        return rc;
    }
    s->threads = true;
    *out = s;
    return 0;
}

void server_stop(server_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->threads) {
        wake(s);
        pthread_join(s->poll_th, NULL);
        pthread_join(s->work_th, NULL); /* after the request it is running */
    }
    for (size_t i = 0; i < s->count; i++)
        rpc_request_clear(&s->jobs[(s->head + i) % SERVER_MAX_PENDING].req);
    for (int i = 0; i < SERVER_MAX_CLIENTS; i++)
        if (s->cl[i].fd >= 0)
            close_client(&s->cl[i]);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        unlink(s->path);
    }
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
