#define _POSIX_C_SOURCE 200809L
#include "dht_testutil.h"

#include "check.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void tu_seed(uint8_t sk[32], unsigned n)
{
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)(n * 31u + (unsigned)i * 7u + 1u);
}

void tu_message_id(char out[65], unsigned n)
{
    snprintf(out, 65, "%02x%06x%056x", n % 256u, n, n * 2654435761u);
}

void tu_message(uint8_t **out, size_t *len, unsigned n, const char *sender, const char *recipient,
                size_t payload_len, uint64_t created, const uint8_t sk[32])
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_MESSAGE;
    v.created_at = created;
    v.sig_scheme = DNASYNC_SIGN_SCHEME_ED25519;
    tu_message_id(v.message_id, n);
    v.sender = (char *)sender;
    v.recipient = (char *)recipient;
    uint8_t *p = malloc(payload_len ? payload_len : 1);
    CHECK(p);
    for (size_t i = 0; i < payload_len; i++)
        p[i] = (uint8_t)(i * 13u + n);
    v.payload = p;
    v.payload_len = payload_len;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
    free(p);
}

void tu_tombstone(uint8_t **out, size_t *len, unsigned n, const char *owner, uint64_t created,
                  const uint8_t sk[32])
{
    dht_value_t v;
    memset(&v, 0, sizeof v);
    v.version = DHT_VALUE_FORMAT;
    v.kind = DHT_KIND_TOMBSTONE;
    v.created_at = created;
    v.deleted_at = created;
    tu_message_id(v.message_id, n);
    v.owner = (char *)owner;
    CHECK_EQ_INT(dht_value_sign(&v, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&v, out, len), 0);
}

int tu_strict;

dht_storage_context_t *tu_ctx(const char *bootstrap, const dnasync_env_t *env)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.env = env;
    cfg.timeout_ms = 8000;
    cfg.strict_types = tu_strict;
    const char *bs[1] = {bootstrap};
    if (bootstrap) {
        cfg.bootstrap = bs;
        cfg.n_bootstrap = 1;
    }
    dht_storage_context_t *ctx = NULL;
    int rc = dht_storage_init(&cfg, &ctx);
    if (rc)
        fprintf(stderr, "dht_storage_init: %s\n", dnasync_last_error());
    CHECK_EQ_INT(rc, 0);
    return ctx;
}

int tu_put_confirmed(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint8_t *value, size_t len, uint16_t type, uint64_t id, uint64_t created)
{
    dht_put_item_t it;
    memset(&it, 0, sizeof it);
    memcpy(it.key, key, sizeof it.key);
    it.value = value;
    it.len = len;
    it.type = type;
    it.id = id;
    it.created = created;
    int rc = dht_put_batch(ctx, &it, 1);
    return rc < 0 ? rc : it.status;
}

int tu_put_value(dht_storage_context_t *ctx, const uint8_t *value, size_t len, uint64_t upload_time,
                 uint8_t key_out[DNASYNC_DHT_KEY_BYTES])
{
    dht_value_t v;
    CHECK_EQ_INT(dht_value_decode(value, len, &v), 0);
    dht_put_item_t it[2];
    memset(it, 0, sizeof it);
    size_t n = 1;
    uint16_t type;
    uint64_t created;
    int64_t day = dht_upload_day(upload_time);
    if (v.kind == DHT_KIND_MESSAGE) {
        CHECK_EQ_INT(dht_key_box(it[0].key, v.recipient, day, dht_shard_of(v.message_id)), 0);
        if (strcmp(v.sender, v.recipient) != 0)
            CHECK_EQ_INT(dht_key_box(it[n++].key, v.sender, day, dht_shard_of(v.message_id)), 0);
        type = DNASYNC_DHT_TYPE_MESSAGE;
        created = v.created_at;
    } else if (v.kind == DHT_KIND_TOMBSTONE) {
        CHECK_EQ_INT(dht_key_box(it[0].key, v.owner, day, dht_shard_of(v.message_id)), 0);
        type = DNASYNC_DHT_TYPE_TOMBSTONE;
        created = v.deleted_at;
    } else {
        CHECK_EQ_INT(v.kind, DHT_KIND_SUMMARY);
        CHECK_EQ_INT(dht_key_sum(it[0].key, v.mailbox, (int64_t)v.day), 0);
        type = DNASYNC_DHT_TYPE_SUMMARY;
        created = upload_time;
    }
    for (size_t i = 0; i < n; i++) {
        it[i].value = value;
        it[i].len = len;
        it[i].type = type;
        it[i].id = dht_value_id(&v);
        it[i].created = created;
    }
    dht_value_clear(&v);
    if (key_out)
        memcpy(key_out, it[0].key, DNASYNC_DHT_KEY_BYTES);
    int rc = dht_put_batch(ctx, it, n);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        if (it[i].status != 0)
            return it[i].status;
    return rc < 0 ? rc : 0;
}

void tu_addr(dht_storage_context_t *ctx, char out[32])
{
    dht_storage_stats_t s;
    CHECK_EQ_INT(dht_storage_stats(ctx, &s), 0);
    snprintf(out, 32, "127.0.0.1:%u", (unsigned)s.port);
}

const char *tu_node_exe(void)
{
    return DNASYNC_NODE_TEST_PATH;
}

pid_t tu_spawn_node(char *const extra_args[], const char *log_path, int *port)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)tu_node_exe();
    for (size_t i = 0; extra_args && extra_args[i] && n < 30; i++)
        argv[n++] = extra_args[i];
    argv[n] = NULL;
    pid_t pid = proc_spawn(argv, log_path);
    if (pid < 0)
        return -1;
    char *log = proc_wait_for_text(log_path, "listening on ", 20);
    if (!log) {
        proc_stop(pid, 5);
        return -1;
    }
    const char *p = strstr(log, "listening on ");
    const char *colon = p ? strchr(p + 13, '\n') : NULL;
    *port = 0;
    if (colon) {
        const char *c = colon;
        while (c > p && c[-1] != ':')
            c--;
        *port = atoi(c);
    }
    free(log);
    if (*port <= 0) {
        proc_stop(pid, 5);
        return -1;
    }
    return pid;
}
