#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "crypto/envelope.h"
#include "crypto/mlkem.h"
#include "crypto/sign.h"
#include "dht/dht_adapter.h"
#include "dht/dht_codec.h"
#include "dnasync/identity.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

double bench_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bench_maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

void bench_result(const char *name, double value)
{
    printf("RESULT %s %.6g\n", name, value);
    fflush(stdout);
}

_Noreturn void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

void bench_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- request counters: the link wraps the adapter's network entry points ---- */

static _Atomic uint64_t c_puts, c_put_bytes, c_gets, c_get_values, c_get_bytes, c_lists, c_list_ids,
    c_listens, c_gets_whole, c_verifies;

int __real_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user);
int __real_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count);
int __real_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count);
int __real_dnad_listen(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_value_cb cb,
                       void *user, int timeout_ms, uint64_t *token);
int __wrap_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user);
int __wrap_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count);
int __wrap_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count);
int __real_dnad_get_first(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                          dnad_first_cb first, void *user, dnad_value_t **out, size_t *count);
int __wrap_dnad_get_first(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                          dnad_first_cb first, void *user, dnad_value_t **out, size_t *count);
int __wrap_dnad_listen(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_value_cb cb,
                       void *user, int timeout_ms, uint64_t *token);
int __real_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);
int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user);
int __real_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);
int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user);
int __real_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64]);
int __wrap_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64]);

/* A call that took a second or more is logged (stderr, the bench's log): where a slow pass
 * waited. BENCH_TRACE=1 logs every call, with its start on the process's clock; the
 * asynchronous ones (puts, the put confirmations' gets, the warm-up's listings) when their
 * callback comes, with the value id or "ok" so that retries and failures show. */
static void note_slow(const char *what, const uint8_t *key, size_t n_ids, size_t got, double t0)
{
    static int trace = -1;
    if (trace < 0)
        trace = getenv("BENCH_TRACE") != NULL;
    double s = bench_mono() - t0;
    if (s >= 1.0 || trace)
        fprintf(stderr,
                "bench: %s %s of key %02x%02x%02x%02x (%zu ids asked, %zu back) at %.3f: %.3f s\n",
                s >= 1.0 ? "slow" : "call", what, key[0], key[1], key[2], key[3], n_ids, got, t0,
                s);
}

/* An asynchronous call: its callback, the key and start for note_slow, and the put's id. */
typedef struct async_call {
    dnad_done_cb done;
    dnad_ids_cb ids;
    dnad_held_cb held;
    void *user;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    uint64_t id;
    double t0;
} async_call_t;

static async_call_t *async_call(const uint8_t *key, uint64_t id)
{
    async_call_t *c = calloc(1, sizeof *c);
    if (c) {
        memcpy(c->key, key, sizeof c->key);
        c->id = id;
        c->t0 = bench_mono();
    }
    return c;
}

static void put_done(void *user, int ok)
{
    async_call_t c = *(async_call_t *)user;
    free(user);
    char what[64];
    snprintf(what, sizeof what, "put %016llx %s", (unsigned long long)c.id, ok ? "ok" : "FAILED");
    note_slow(what, c.key, 0, 0, c.t0);
    if (c.done)
        c.done(c.user, ok);
}

int __wrap_dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
                    size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb,
                    void *user)
{
    c_puts++;
    c_put_bytes += len;
    async_call_t *c = key ? async_call(key, id) : NULL;
    if (!c)
        return __real_dnad_put(n, key, data, len, type, id, age_ms, cb, user);
    c->done = cb;
    c->user = user;
    int rc = __real_dnad_put(n, key, data, len, type, id, age_ms, put_done, c);
    if (rc != 0)
        free(c);
    return rc;
}

int __wrap_dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
                    size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count)
{
    c_gets++;
    c_gets_whole += ids == NULL || n_ids == 0;
    double t0 = bench_mono();
    int rc = __real_dnad_get(n, key, ids, n_ids, timeout_ms, out, count);
    note_slow(ids && n_ids ? "get by ids" : "whole-key get", key, n_ids,
              rc == 0 && count ? *count : 0, t0);
    if (rc == 0 && out && *out && count) {
        c_get_values += *count;
        for (size_t i = 0; i < *count; i++)
            c_get_bytes += (*out)[i].len;
    }
    return rc;
}

/* A summary read with a first look: traced twice, at its first answer and at its end. */
typedef struct first_call {
    dnad_first_cb cb;
    void *user;
    const uint8_t *key;
    double t0;
} first_call_t;

static void first_seen(void *user, dnad_value_t *vals, size_t count)
{
    const first_call_t *c = user;
    note_slow("whole-key get's first answer", c->key, 0, count, c->t0);
    c->cb(c->user, vals, count);
}

int __wrap_dnad_get_first(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                          dnad_first_cb first, void *user, dnad_value_t **out, size_t *count)
{
    c_gets++;
    c_gets_whole++;
    first_call_t c = {first, user, key, bench_mono()};
    int rc = __real_dnad_get_first(n, key, timeout_ms, first ? first_seen : NULL, &c, out, count);
    note_slow("whole-key get", key, 0, rc == 0 && count ? *count : 0, c.t0);
    if (rc == 0 && out && *out && count) {
        c_get_values += *count;
        for (size_t i = 0; i < *count; i++)
            c_get_bytes += (*out)[i].len;
    }
    return rc;
}

int __wrap_dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                         uint64_t **ids, size_t *count)
{
    c_lists++;
    double t0 = bench_mono();
    int rc = __real_dnad_list_ids(n, key, timeout_ms, ids, count);
    note_slow("id listing", key, 0, rc == 0 && count ? *count : 0, t0);
    if (rc == 0 && count)
        c_list_ids += *count;
    return rc;
}

/* An asynchronous listing (the daemon's warm-up) counts as one; its ids when it ends. */
static void ids_counted(void *user, int ok, const uint64_t *ids, size_t count)
{
    async_call_t c = *(async_call_t *)user;
    free(user);
    if (ok)
        c_list_ids += count;
    note_slow(ok ? "confirming listing ok" : "confirming listing FAILED", c.key, 0, count, c.t0);
    c.ids(c.user, ok, ids, count);
}

int __wrap_dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                               dnad_ids_cb cb, void *user)
{
    async_call_t *c = key ? async_call(key, 0) : NULL;
    if (!c)
        return key ? DNASYNC_ENOMEM : __real_dnad_list_ids_async(n, key, cb, user);
    c->ids = cb;
    c->user = user;
    c_lists++;
    int rc = __real_dnad_list_ids_async(n, key, ids_counted, c);
    if (rc != 0)
        free(c);
    return rc;
}

/* A put's proof of storage (dht_put_batch's confirmations) counts as one get by id. */
static void held_seen(void *user, int ok, int remote, int local)
{
    async_call_t c = *(async_call_t *)user;
    free(user);
    char what[80];
    snprintf(what, sizeof what, "confirming get %016llx %s", (unsigned long long)c.id,
             !ok      ? "FAILED"
             : remote ? "held elsewhere"
                      : "NOT held elsewhere");
    note_slow(what, c.key, 1, (size_t)remote, c.t0);
    c.held(c.user, ok, remote, local);
}

int __wrap_dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                           const uint8_t *data, size_t len, dnad_held_cb cb, void *user)
{
    c_gets++;
    async_call_t *c = key ? async_call(key, id) : NULL;
    if (!c)
        return key ? DNASYNC_ENOMEM : __real_dnad_held_async(n, key, id, data, len, cb, user);
    c->held = cb;
    c->user = user;
    int rc = __real_dnad_held_async(n, key, id, data, len, held_seen, c);
    if (rc != 0)
        free(c);
    return rc;
}

int __wrap_dnad_listen(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_value_cb cb,
                       void *user, int timeout_ms, uint64_t *token)
{
    c_listens++;
    return __real_dnad_listen(n, key, cb, user, timeout_ms, token);
}

/* Ed25519 checks of received values (the DHT codec's calls into the crypto layer). */
int __wrap_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64])
{
    c_verifies++;
    return __real_dnasync_sign_verify(pk, msg, len, sig);
}

static dht_storage_context_t *wire_ctx;

void bench_counts_track(dht_storage_context_t *dht)
{
    wire_ctx = dht;
}

void bench_counts_now(bench_counts_t *o)
{
    o->wire = 0;
    dht_storage_stats_t st;
    if (wire_ctx && dht_storage_stats(wire_ctx, &st) == 0)
        o->wire = st.sent_find + st.sent_get + st.sent_put + st.sent_listen + st.sent_ping;
    o->puts = c_puts;
    o->put_bytes = c_put_bytes;
    o->gets = c_gets;
    o->get_values = c_get_values;
    o->get_bytes = c_get_bytes;
    o->lists = c_lists;
    o->list_ids = c_list_ids;
    o->listens = c_listens;
    o->gets_whole = c_gets_whole;
    o->verifies = c_verifies;
}

uint64_t bench_counts_requests(const bench_counts_t *a, const bench_counts_t *b)
{
    return (b->puts - a->puts) + (b->gets - a->gets) + (b->lists - a->lists) +
           (b->listens - a->listens);
}

/* Payload bytes sent and received, plus 8 bytes per listed id. */
uint64_t bench_counts_bytes(const bench_counts_t *a, const bench_counts_t *b)
{
    return (b->put_bytes - a->put_bytes) + (b->get_bytes - a->get_bytes) +
           8 * (b->list_ids - a->list_ids);
}

/* ---- homes ---- */

void bench_home_init(const char *dir, const char *tag, const char *name)
{
    char home[4096], err[512];
    snprintf(home, sizeof home, "%s/%s", dir, tag);
    if (dnasync_home_init(home, name, NULL, err, sizeof err) != 0)
        bench_die("init %s: %s", home, err);
}

void bench_home_link(const char *dir, const char *tag, const char *from_tag)
{
    char home[4096], from[4096], err[512] = "", *code = NULL;
    snprintf(home, sizeof home, "%s/%s", dir, tag);
    snprintf(from, sizeof from, "%s/%s", dir, from_tag);
    dnasync_identity_t *id = NULL, *joined = NULL;
    if (dnasync_identity_load(from, &id, err, sizeof err) != 0)
        bench_die("load %s: %s", from, err);
    if (dnasync_linkcode_make_params(id, "bench passphrase", 10, NULL, &code) != 0)
        bench_die("link code");
    if (dnasync_linkcode_join(home, code, "bench passphrase", NULL, &joined, err, sizeof err) != 0)
        bench_die("join %s: %s", home, err);
    if (dnasync_home_prepare(home, NULL, err, sizeof err) != 0)
        bench_die("prepare %s: %s", home, err);
    dnasync_identity_free(id);
    dnasync_identity_free(joined);
    free(code);
}

dnasync_home_t *bench_home_open(const char *dir, const char *tag, const char *boot,
                                const char *profile, const dnasync_env_t *env)
{
    char home[4096], err[512];
    snprintf(home, sizeof home, "%s/%s", dir, tag);
    const char *b[1] = {boot};
    dnasync_home_options_t opt = {
        .env = env,
        .profile = profile,
        .bootstrap = b,
        .n_bootstrap = boot ? 1 : 0,
        .network = boot != NULL,
    };
    dnasync_home_t *h = NULL;
    if (dnasync_home_open(home, &opt, &h, err, sizeof err) != 0)
        bench_die("open %s: %s", home, err);
    return h;
}

void bench_wait_nodes(dht_storage_context_t *dht, uint32_t n)
{
    dht_storage_stats_t st = {0};
    double t0 = bench_mono();
    for (int i = 0; i < 200; i++) {
        if (dht_storage_stats(dht, &st) == 0 && st.nodes >= n)
            break;
        bench_sleep_ms(50);
    }
    if (getenv("BENCH_DEBUG"))
        fprintf(stderr, "bench: routing table %u nodes after %.2f s\n", st.nodes,
                bench_mono() - t0);
}

dht_storage_context_t *bench_dht_open(const char *boot)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    const char *b[1] = {boot};
    cfg.bootstrap = b;
    cfg.n_bootstrap = 1;
    dht_storage_context_t *d = NULL;
    if (dht_storage_init(&cfg, &d) != 0)
        bench_die("dht: %s", dnasync_last_error());
    return d;
}

/* ---- values ---- */

void bench_text(char out[BENCH_BODY + 1], size_t i)
{
    int k = snprintf(out, BENCH_BODY + 1, "bench message %zu ", i);
    for (size_t j = (size_t)k; j < BENCH_BODY; j++)
        out[j] = (char)('a' + (j * 7 + i) % 26);
    out[BENCH_BODY] = '\0';
}

static const char hexd[] = "0123456789abcdef";

bench_value_t *bench_make_values(const char *mailbox, size_t n, uint64_t created)
{
    static uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES];
    uint8_t sk[DNASYNC_SIGN_SK_BYTES];
    if (mlkem512_keygen(ek, dk, NULL) != 0 || dnasync_env_random(NULL, sk, sizeof sk) != 0)
        bench_die("keygen");
    bench_value_t *out = calloc(n, sizeof *out);
    if (!out)
        bench_die("out of memory");
    const uint8_t *eks[1] = {ek};
    for (size_t i = 0; i < n; i++) {
        char text[BENCH_BODY + 1];
        bench_text(text, i);
        dht_value_t v;
        memset(&v, 0, sizeof v);
        v.version = DHT_VALUE_FORMAT;
        v.kind = DHT_KIND_MESSAGE;
        v.created_at = created;
        uint8_t rnd[32];
        dnasync_env_random(NULL, rnd, sizeof rnd);
        for (int j = 0; j < 32; j++) {
            v.message_id[2 * j] = hexd[rnd[j] >> 4];
            v.message_id[2 * j + 1] = hexd[rnd[j] & 15];
        }
        v.message_id[64] = '\0';
        v.sender = strdup(mailbox);
        v.recipient = strdup(mailbox);
        if (dnasync_envelope_seal(eks, 1, NULL, 0, (const uint8_t *)text, BENCH_BODY, NULL,
                                  &v.payload, &v.payload_len) != 0 ||
            dht_value_sign(&v, sk) != 0 || dht_value_encode(&v, &out[i].data, &out[i].len) != 0)
            bench_die("value %zu", i);
        memcpy(out[i].message_id, v.message_id, 65);
        out[i].vid = dht_value_id(&v);
        dht_value_clear(&v);
    }
    return out;
}

void bench_free_values(bench_value_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].data);
    free(v);
}

void bench_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        bench_die("write %s", path);
}

char *bench_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 2) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    fclose(f);
    if (!buf)
        bench_die("out of memory");
    buf[len] = '\0';
    return buf;
}
