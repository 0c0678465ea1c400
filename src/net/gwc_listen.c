/* Listen through the gateway: one thread per listen holds a Server-Sent Events stream
 * (GET /v1/key/{key}/listen) and reconnects, with failover, until cancelled. Every (re)connect
 * replays the key's current values (docs/gateway.md), so values put while the stream was down
 * still arrive; values already delivered are skipped by (id, data). */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "net/gwc.h"

#include "dnasync/status.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEEN_MAX 1024             /* (id, data hash) pairs remembered for de-duplication */
#define LINE_MAX_BYTES (1u << 20) /* an event line longer than this ends the stream */
#define STALL_S 45L /* no byte for this long (keep-alives come every 15 s): reconnect */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000

typedef struct gwc_listen {
    uint64_t token;
    struct gwc_listen *next;
    gwc_t *g;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    dnasync_net_listen_cb cb;
    void *user;
    pthread_t thread;
    atomic_bool stop;
    bool self_free; /* cancelled from its own callback: the thread frees itself */
    /* the stream being parsed */
    char *line, *data;
    size_t line_len, line_cap, data_len;
    char event[32], last_id[17];
    bool got_bytes;
    struct {
        uint64_t id, hash;
    } seen[SEEN_MAX];
    size_t n_seen, next_seen;
} gwc_listen_t;

static uint64_t next_token = 1; /* under g->mu */

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* 1 when (id, data) was delivered before; remembers it otherwise. */
static int seen_before(gwc_listen_t *l, uint64_t id, const uint8_t *data, size_t len)
{
    uint64_t h = fnv(data, len);
    for (size_t i = 0; i < l->n_seen; i++)
        if (l->seen[i].id == id && l->seen[i].hash == h)
            return 1;
    l->seen[l->next_seen].id = id;
    l->seen[l->next_seen].hash = h;
    l->next_seen = (l->next_seen + 1) % SEEN_MAX;
    if (l->n_seen < SEEN_MAX)
        l->n_seen++;
    return 0;
}

static void dispatch(gwc_listen_t *l)
{
    bool value = strcmp(l->event, "value") == 0, expired = strcmp(l->event, "expired") == 0;
    uint64_t id = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    if ((value || expired) && l->data && gwc_parse_value(l->data, &id, &data, &len) == 0 &&
        !atomic_load(&l->stop) && (expired || !seen_before(l, id, data, len)))
        l->cb(l->user, id, data, len, expired);
    free(data);
    l->event[0] = '\0';
    l->data_len = 0;
    if (l->data)
        l->data[0] = '\0';
}

static int add_data(gwc_listen_t *l, const char *v)
{
    size_t add = strlen(v);
    char *grown = realloc(l->data, l->data_len + add + 2);
    if (!grown)
        return -1;
    l->data = grown;
    if (l->data_len)
        l->data[l->data_len++] = '\n';
    memcpy(l->data + l->data_len, v, add + 1);
    l->data_len += add;
    return 0;
}

/* One line of the stream (text/event-stream). */
static int on_line(gwc_listen_t *l, char *line)
{
    if (line[0] == '\0') {
        dispatch(l);
        return 0;
    }
    if (line[0] == ':')
        return 0; /* a comment: keep-alive */
    char *v = strchr(line, ':');
    if (v) {
        *v++ = '\0';
        if (*v == ' ')
            v++;
    } else {
        v = line + strlen(line);
    }
    if (strcmp(line, "event") == 0)
        snprintf(l->event, sizeof l->event, "%s", v);
    else if (strcmp(line, "id") == 0 && strlen(v) == 16)
        memcpy(l->last_id, v, 17);
    else if (strcmp(line, "data") == 0)
        return add_data(l, v);
    return 0;
}

static size_t on_bytes(char *p, size_t size, size_t n, void *user)
{
    gwc_listen_t *l = user;
    size_t len = size * n;
    l->got_bytes = true;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            if (l->line_len && l->line[l->line_len - 1] == '\r')
                l->line_len--;
            l->line[l->line_len] = '\0';
            l->line_len = 0;
            if (on_line(l, l->line) != 0)
                return 0;
            continue;
        }
        if (l->line_len + 2 > l->line_cap) {
            size_t cap = l->line_cap ? 2 * l->line_cap : 256;
            char *grown = cap <= LINE_MAX_BYTES ? realloc(l->line, cap) : NULL;
            if (!grown)
                return 0; /* ends the stream; the thread reconnects */
            l->line = grown;
            l->line_cap = cap;
        }
        l->line[l->line_len++] = p[i];
    }
    return len;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    const gwc_listen_t *l = user;
    return atomic_load(&l->stop) ? 1 : 0; /* non-zero aborts the transfer: cancel */
}

/* Holds one stream to gateway i until it ends. Returns whether it was a 200 stream. */
static bool stream(gwc_listen_t *l, size_t i)
{
    CURL *c = curl_easy_init();
    if (!c)
        return false;
    char url[1024], hex[2 * DNASYNC_DHT_KEY_BYTES + 1], last[64];
    gwc_hex_key(l->key, hex);
    snprintf(url, sizeof url, "%s/v1/key/%s/listen", l->g->url[i], hex);
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: text/event-stream");
    if (l->last_id[0]) {
        snprintf(last, sizeof last, "Last-Event-ID: %s", l->last_id);
        hdr = curl_slist_append(hdr, last);
    }
    l->line_len = l->data_len = 0;
    l->event[0] = '\0';
    l->got_bytes = false;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)GW_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_S);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L); /* a 4xx/5xx is no stream */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, l);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, l);
    curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    gwc_count(l->g, c);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return status == 200 && l->got_bytes;
}

/* Sleeps ms in short slices, returning early once cancelled. */
static void pause_ms(gwc_listen_t *l, unsigned ms)
{
    for (unsigned t = 0; t < ms && !atomic_load(&l->stop); t += 50)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
}

static void listen_free(gwc_listen_t *l)
{
    free(l->line);
    free(l->data);
    free(l);
}

static void *listen_thread(void *arg)
{
    gwc_listen_t *l = arg;
    unsigned backoff = BACKOFF_MIN_MS;
    while (!atomic_load(&l->stop)) {
        size_t order[GW_MAX_URLS];
        size_t n = gwc_order(l->g, order);
        for (size_t k = 0; k < n && !atomic_load(&l->stop); k++) {
            bool ok = stream(l, order[k]);
            if (atomic_load(&l->stop))
                break;
            gwc_mark(l->g, order[k], ok);
            if (ok) {
                backoff = BACKOFF_MIN_MS; /* it ended after working: reconnect at once */
                break;
            }
        }
        pause_ms(l, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    pthread_mutex_lock(&l->g->mu);
    bool self_free = l->self_free;
    pthread_mutex_unlock(&l->g->mu);
    if (self_free)
        listen_free(l);
    return NULL;
}

int gwc_listen(gwc_t *g, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnasync_net_listen_cb cb,
               void *user, uint64_t *token, char err[DNASYNC_NET_ERR_MAX])
{
    gwc_listen_t *l = calloc(1, sizeof *l);
    if (!l) {
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ENOMEM, "out of memory");
    }
    l->g = g;
    memcpy(l->key, key, DNASYNC_DHT_KEY_BYTES);
    l->cb = cb;
    l->user = user;
    atomic_init(&l->stop, false);
    pthread_mutex_lock(&g->mu);
    l->token = next_token++;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int prc = pthread_create(&l->thread, &attr, listen_thread, l);
    pthread_attr_destroy(&attr);
    if (prc == 0) {
        l->next = g->listens;
        g->listens = l;
    }
    pthread_mutex_unlock(&g->mu);
    if (prc != 0) {
        free(l);
        return dnasync_err_buf(err, DNASYNC_NET_ERR_MAX, DNASYNC_ERR,
                               "cannot start a listen thread");
    }
    *token = l->token;
    return DNASYNC_OK;
}

void gwc_cancel(gwc_t *g, uint64_t token)
{
    pthread_mutex_lock(&g->mu);
    gwc_listen_t *l = NULL;
    for (gwc_listen_t **p = &g->listens; *p; p = &(*p)->next)
        if ((*p)->token == token) {
            l = *p;
            *p = l->next;
            break;
        }
    bool own = l && pthread_equal(l->thread, pthread_self());
    if (own)
        l->self_free = true;
    pthread_mutex_unlock(&g->mu);
    if (!l)
        return;
    atomic_store(&l->stop, true);
    if (own) { /* from its own callback: no callback follows (stop is checked before each) */
        pthread_detach(l->thread);
        return;
    }
    pthread_join(l->thread, NULL);
    listen_free(l);
}

void gwc_cancel_all(gwc_t *g)
{
    for (;;) {
        pthread_mutex_lock(&g->mu);
        uint64_t token = g->listens ? g->listens->token : 0;
        pthread_mutex_unlock(&g->mu);
        if (!token)
            return;
        gwc_cancel(g, token);
    }
}
