/* The gateway's listen streams: Server-Sent Events over a DHT listen (docs/gateway.md
 * "GET /v1/key/{key}/listen"). The DHT thread only appends events to the stream's buffer; the
 * connection's own thread (libmicrohttpd, one per connection) sends them, and a keep-alive
 * comment when idle; while idle it also looks at the socket every second, so a client that went
 * away frees its listen slot and its DHT listen at once, not at the next keep-alive. */
#define _GNU_SOURCE /* POLLRDHUP */
#include "common/cond.h"
#include "common/log.h"
#include "dnasync/status.h"
#include "node/gw_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GW_KEEPALIVE_S 15
#define GW_STREAM_MAX_BUFFER (4u * 1024u * 1024u) /* a client this far behind is dropped */

typedef struct gw_stream {
    gw_t *gw;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf; /* events not yet sent: buf[off..len) */
    size_t len, off, cap;
    int closed;
    uint64_t token;
    int listening;
    int fd; /* the connection's socket, only polled for the peer's hang-up */
    char addr[48];
    struct gw_stream *next; /* gw->streams */
} gw_stream_t;

/* Caller holds s->mu. Drops the stream when the client is too far behind (it reconnects and
 * gets a full replay: nothing is lost). */
static void append(gw_stream_t *s, const char *text, size_t n)
{
    if (s->closed)
        return;
    if (s->off > 0 && s->off == s->len)
        s->off = s->len = 0;
    if (s->len - s->off + n > GW_STREAM_MAX_BUFFER) {
        s->closed = 1;
        return;
    }
    if (s->len + n > s->cap) {
        size_t cap = (s->len + n) * 2;
        char *nb = realloc(s->buf, cap);
        if (!nb) {
            s->closed = 1;
            return;
        }
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    pthread_cond_broadcast(&s->cv);
}

static void append_value(gw_stream_t *s, const dht_raw_value_t *v, int expired)
{
    char *json = gw_value_json(v);
    if (!json)
        return; /* a foreign type */
    size_t n = strlen(json) + 80;
    char *ev = malloc(n);
    if (ev) {
        int k = snprintf(ev, n, "event: %s\nid: %016llx\ndata: %s\n\n",
                         expired ? "expired" : "value", (unsigned long long)v->id, json);
        append(s, ev, (size_t)k);
    }
    free(ev);
    free(json);
}

/* DHT thread. */
static void on_value(void *user, const dht_raw_value_t *v, int expired)
{
    gw_stream_t *s = user;
    pthread_mutex_lock(&s->mu);
    append_value(s, v, expired);
    pthread_mutex_unlock(&s->mu);
}

static int peer_gone(int fd)
{
    struct pollfd p = {fd, POLLRDHUP, 0};
    return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* The connection's thread: blocks until there is something to send or the stream ends. */
static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    gw_stream_t *s = cls;
    pthread_mutex_lock(&s->mu);
    for (int idle_s = 0; s->len == s->off && !s->closed;) {
        struct timespec until;
        dnasync_deadline_ms(&until, 1000);
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT || s->len != s->off)
            continue;
        if (peer_gone(s->fd))
            s->closed = 1;
        else if (++idle_s >= GW_KEEPALIVE_S) {
            append(s, ": keep-alive\n\n", 14);
            idle_s = 0;
        }
    }
    ssize_t n;
    if (s->len > s->off) {
        size_t k = s->len - s->off < max ? s->len - s->off : max;
        memcpy(out, s->buf + s->off, k);
        s->off += k;
        n = (ssize_t)k;
    } else
        n = MHD_CONTENT_READER_END_OF_STREAM;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* The response is gone (client left, stream ended, or the gateway stops): cancel the listen. */
static void stream_free(void *cls)
{
    gw_stream_t *s = cls;
    gw_t *gw = s->gw;
    if (s->listening)
        dht_listen_cancel(gw->dht, s->token); /* no on_value after this */
    pthread_mutex_lock(&gw->mu);
    for (gw_stream_t **p = &gw->streams; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    pthread_mutex_unlock(&gw->mu);
    gw_limits_listen_close(&gw->lim, s->addr);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->buf);
    free(s);
}

enum MHD_Result gw_listen_start(gw_t *gw, struct MHD_Connection *c,
                                const uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *addr)
{
    if (!gw_limits_listen_open(&gw->lim, addr, dnasync_env_now_ms(gw->env)))
        return gw_reply_error(gw, c, 429, "too_many_listens",
                              "at most 8 open listens per client address");
    gw_stream_t *s = calloc(1, sizeof *s);
    if (!s) {
        gw_limits_listen_close(&gw->lim, addr);
        return MHD_NO;
    }
    s->gw = gw;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->fd = ci ? ci->connect_fd : -1;
    snprintf(s->addr, sizeof s->addr, "%s", addr);
    pthread_mutex_init(&s->mu, NULL);
    dnasync_cond_init(&s->cv);
    pthread_mutex_lock(&gw->mu);
    int stopping = gw->stopping;
    if (!stopping) {
        s->next = gw->streams;
        gw->streams = s;
    }
    pthread_mutex_unlock(&gw->mu);
    if (stopping) {
        stream_free(s);
        return gw_reply_error(gw, c, 503, "stopping", "the node is stopping");
    }
    pthread_mutex_lock(&s->mu);
    append(s, "retry: 2000\n\n", 13);
    pthread_mutex_unlock(&s->mu);
    int rc = dht_listen(gw->dht, key, on_value, s, &s->token);
    if (rc != 0) {
        stream_free(s);
        return gw_reply_error(gw, c, rc == DNASYNC_ETIMEOUT ? 504 : 500,
                              rc == DNASYNC_ETIMEOUT ? "timeout" : "dht",
                              "cannot listen on this key now");
    }
    s->listening = 1;
    /* A get after the listen: every value already on the DHT, then "synced". */
    dht_raw_value_t *vals = NULL;
    size_t n = 0;
    rc = dht_get(gw->dht, key, &vals, &n);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; rc == 0 && i < n; i++)
        append_value(s, &vals[i], 0);
    if (rc == 0)
        append(s, "event: synced\ndata: {}\n\n", 24);
    else
        s->closed = 1; /* the catch-up failed: end the stream, the client reconnects */
    pthread_mutex_unlock(&s->mu);
    dht_raw_values_free(vals, n);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, s, stream_free);
    if (!r) {
        stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    gw_add_cors(gw, c, r);
    enum MHD_Result ok = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

void gw_listen_close_all(gw_t *gw)
{
    pthread_mutex_lock(&gw->mu);
    for (gw_stream_t *s = gw->streams; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->closed = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&gw->mu);
}
