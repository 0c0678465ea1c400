#define _POSIX_C_SOURCE 200809L
#include "gw_testutil.h"

#include "check.h"
#include "crypto/ids.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dht_testutil.h"
#include "proc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sink {
    char *buf;
    size_t len;
} sink_t;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    sink_t *s = user;
    size_t k = size * n;
    char *nb = realloc(s->buf, s->len + k + 1);
    CHECK(nb);
    memcpy(nb + s->len, p, k);
    s->buf = nb;
    s->len += k;
    s->buf[s->len] = '\0';
    return k;
}

void gt_http(int port, const char *method, const char *path, const char *const *hdrs,
             const char *body, gt_resp_t *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    CHECK(c);
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    sink_t b = {calloc(1, 1), 0}, h = {calloc(1, 1), 0};
    struct curl_slist *list = NULL;
    for (size_t i = 0; hdrs && hdrs[i]; i++)
        list = curl_slist_append(list, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    out->body = b.buf;
    out->headers = h.buf;
}

void gt_resp_free(gt_resp_t *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

static int port_after(const char *log, const char *needle)
{
    const char *p = strstr(log, needle);
    return p ? atoi(p + strlen(needle)) : 0;
}

pid_t gt_spawn(char *const extra[], const char *log, int *gw_port, int *dht_port)
{
    char *args[32] = {"--bind", "127.0.0.1", "--gateway-port", "0"};
    size_t n = 4;
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    pid_t pid = tu_spawn_node(args, log, dht_port);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "gateway on http://127.0.0.1:", 5);
    *gw_port = text ? port_after(text, "gateway on http://127.0.0.1:") : 0;
    free(text);
    if (*gw_port <= 0)
        proc_stop(pid, 5); /* the caller never learns this pid: stop it before failing */
    CHECK(*gw_port > 0);
    return pid;
}

void gt_value_free(gt_value_t *v)
{
    free(v->data);
    memset(v, 0, sizeof *v);
}

/* Every gt_* value: a fresh out and v of `kind`, written at `now`. */
static void begin(gt_value_t *out, dht_value_t *v, int kind, uint64_t now)
{
    memset(out, 0, sizeof *out);
    memset(v, 0, sizeof *v);
    v->version = DHT_VALUE_FORMAT;
    v->kind = kind;
    v->created_at = now;
    out->created = now;
}

static void finish(gt_value_t *out, dht_value_t *v, const uint8_t sk[32], const char *kind)
{
    CHECK_EQ_INT(dht_value_sign(v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(v, &out->data, &out->len), 0);
    out->vid = dht_value_id(v);
    out->kind = kind;
    CHECK(out->vid != 0);
}

void gt_identity(gt_value_t *out, const char *name, const uint8_t sk[32], uint64_t now)
{
    dht_value_t v;
    begin(out, &v, DHT_KIND_IDENTITY, now);
    v.name = (char *)name;
    for (size_t i = 0; i < DHT_KEM_PK_BYTES; i++)
        v.kem_pk[i] = (uint8_t)(i * 7u + 3u);
    finish(out, &v, sk, "identity");
    CHECK_EQ_INT(dht_key_id(out->key, name), 0);
}

void gt_message(gt_value_t *out, const char *sender, const char *recipient, const char *text,
                const uint8_t sk[32], uint64_t now)
{
    dht_value_t v;
    begin(out, &v, DHT_KIND_MESSAGE, now);
    v.sender = (char *)sender;
    v.recipient = (char *)recipient;
    v.payload = (uint8_t *)text;
    v.payload_len = strlen(text);
    CHECK_EQ_INT(dnasync_message_id(sender, recipient, now, v.payload, v.payload_len, v.message_id),
                 0);
    finish(out, &v, sk, "message");
    CHECK_EQ_INT(dht_key_box(out->key, recipient, (int64_t)(now / DNASYNC_DAY_S),
                             dht_shard_of(v.message_id)),
                 0);
}

void gt_tombstone(gt_value_t *out, const char *owner, const char *message_id, const uint8_t sk[32],
                  uint64_t now)
{
    dht_value_t v;
    begin(out, &v, DHT_KIND_TOMBSTONE, now);
    v.deleted_at = now;
    memcpy(v.message_id, message_id, 65);
    v.owner = (char *)owner;
    finish(out, &v, sk, "tombstone");
    CHECK_EQ_INT(
        dht_key_box(out->key, owner, (int64_t)(now / DNASYNC_DAY_S), dht_shard_of(message_id)), 0);
}

void gt_summary(gt_value_t *out, const char *mailbox, unsigned writer, uint64_t counter,
                const uint8_t sk[32], uint64_t now)
{
    dht_value_t v;
    begin(out, &v, DHT_KIND_SUMMARY, now);
    v.mailbox = (char *)mailbox;
    v.day = now / DNASYNC_DAY_S;
    memcpy(v.writer_id, &writer, sizeof writer);
    v.counter = counter;
    finish(out, &v, sk, "summary");
    CHECK_EQ_INT(dht_key_sum(out->key, mailbox, (int64_t)v.day), 0);
}

void gt_hex_key(const uint8_t key[DNASYNC_DHT_KEY_BYTES], char out[2 * DNASYNC_DHT_KEY_BYTES + 1])
{
    for (int i = 0; i < DNASYNC_DHT_KEY_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", key[i]);
}

void gt_hex_id(uint64_t id, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)id);
}

static char *b64(const uint8_t *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1);
    CHECK(s);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned w = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        s[o++] = t[w >> 18 & 63];
        s[o++] = t[w >> 12 & 63];
        s[o++] = i + 1 < n ? t[w >> 6 & 63] : '=';
        s[o++] = i + 2 < n ? t[w & 63] : '=';
    }
    s[o] = '\0';
    return s;
}

char *gt_item_json(const gt_value_t *v)
{
    char key[2 * DNASYNC_DHT_KEY_BYTES + 1], id[17];
    gt_hex_key(v->key, key);
    gt_hex_id(v->vid, id);
    char *data = b64(v->data, v->len);
    size_t n = strlen(data) + 256;
    char *s = malloc(n);
    CHECK(s);
    snprintf(s, n,
             "{\"key\":\"%s\",\"kind\":\"%s\",\"id\":\"%s\",\"created\":%llu,\"data\":\"%s\"}", key,
             v->kind, id, (unsigned long long)v->created, data);
    free(data);
    return s;
}

static size_t on_stream(char *p, size_t size, size_t n, void *user)
{
    gt_listen_t *l = user;
    size_t k = size * n;
    pthread_mutex_lock(&l->mu);
    char *nb = realloc(l->buf, l->len + k + 1);
    CHECK(nb);
    memcpy(nb + l->len, p, k);
    l->buf = nb;
    l->len += k;
    l->buf[l->len] = '\0';
    pthread_mutex_unlock(&l->mu);
    return l->stop ? 0 : k;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    return ((gt_listen_t *)user)->stop ? 1 : 0; /* non-zero aborts: the client disconnects */
}

static void *stream_main(void *arg)
{
    gt_listen_t *l = arg;
    CURL *c = curl_easy_init();
    CHECK(c);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", l->port, l->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, l);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, l);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    struct curl_slist *h = NULL;
    if (l->last_event_id[0]) {
        char line[64];
        snprintf(line, sizeof line, "Last-Event-ID: %s", l->last_event_id);
        h = curl_slist_append(h, line);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &l->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

void gt_listen_start_path(gt_listen_t *l, int port, const char *path, const char *last_event_id)
{
    memset(l, 0, sizeof *l);
    l->port = port;
    snprintf(l->path, sizeof l->path, "%s", path);
    if (last_event_id)
        snprintf(l->last_event_id, sizeof l->last_event_id, "%s", last_event_id);
    pthread_mutex_init(&l->mu, NULL);
    CHECK_EQ_INT(pthread_create(&l->th, NULL, stream_main, l), 0);
}

void gt_listen_start(gt_listen_t *l, int port, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    char hex[2 * DNASYNC_DHT_KEY_BYTES + 1], path[128];
    gt_hex_key(key, hex);
    snprintf(path, sizeof path, "/v1/key/%s/listen", hex);
    gt_listen_start_path(l, port, path, NULL);
}

int gt_listen_wait(gt_listen_t *l, const char *needle, int timeout_s)
{
    for (int i = 0; i < timeout_s * 20; i++) {
        pthread_mutex_lock(&l->mu);
        int found = l->buf && strstr(l->buf, needle) != NULL;
        pthread_mutex_unlock(&l->mu);
        if (found)
            return 1;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

void gt_listen_stop(gt_listen_t *l)
{
    l->stop = 1;
    pthread_join(l->th, NULL);
    pthread_mutex_destroy(&l->mu);
    free(l->buf);
    l->buf = NULL;
}
