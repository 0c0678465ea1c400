/* Helpers for the gateway tests: HTTP through libcurl, gateway node processes, and valid
 * dnasync values with their keys as a device would put them. */
#ifndef DNASYNC_TEST_GW_UTIL_H
#define DNASYNC_TEST_GW_UTIL_H

#include "dht/dht.h"

#include <pthread.h>
#include <sys/types.h>

typedef struct gt_resp {
    long status;   /* HTTP status, 0 when the request failed */
    char *body;    /* malloc'd, NUL-terminated */
    char *headers; /* response headers, malloc'd */
} gt_resp_t;

/* One request to http://127.0.0.1:port<path>; hdrs: NULL-terminated "Name: value" list or NULL;
 * body NULL for none. */
void gt_http(int port, const char *method, const char *path, const char *const *hdrs,
             const char *body, gt_resp_t *out);
void gt_resp_free(gt_resp_t *r);

/* Spawn `dnasync-node-test --bind 127.0.0.1 --gateway-port 0 extra...`; *gw_port and *dht_port
 * from its output. */
pid_t gt_spawn(char *const extra[], const char *log, int *gw_port, int *dht_port);

/* A value as put through the gateway: its key, kind name, id, created, and encoding. */
typedef struct gt_value {
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    const char *kind;
    uint64_t vid;
    uint64_t created;
    uint8_t *data; /* malloc'd */
    size_t len;
} gt_value_t;
void gt_value_free(gt_value_t *v);
/* The identity record of name signed by sk. */
void gt_identity(gt_value_t *out, const char *name, const uint8_t sk[32], uint64_t now);
/* A message from sender to recipient (correct message id), in the recipient's box of today. */
void gt_message(gt_value_t *out, const char *sender, const char *recipient, const char *text,
                const uint8_t sk[32], uint64_t now);
/* A tombstone for message_id in owner's box of today, signed by sk. */
void gt_tombstone(gt_value_t *out, const char *owner, const char *message_id, const uint8_t sk[32],
                  uint64_t now);
/* A summary of mailbox's today by device `writer` (its first bytes), version counter. */
void gt_summary(gt_value_t *out, const char *mailbox, unsigned writer, uint64_t counter,
                const uint8_t sk[32], uint64_t now);
/* {"key":..,"kind":..,"id":..,"created":..,"data":..} (malloc'd). */
char *gt_item_json(const gt_value_t *v);
/* 40 / 16 lowercase hex. */
void gt_hex_key(const uint8_t key[DNASYNC_DHT_KEY_BYTES], char out[2 * DNASYNC_DHT_KEY_BYTES + 1]);
void gt_hex_id(uint64_t id, char out[17]);

/* A listen stream read by a thread until gt_listen_stop. */
typedef struct gt_listen {
    int port;
    char path[128];
    pthread_t th;
    pthread_mutex_t mu;
    char *buf; /* everything received */
    size_t len;
    volatile int stop;
    long status;
    char last_event_id[32]; /* sent as Last-Event-ID when set before the start */
} gt_listen_t;
void gt_listen_start(gt_listen_t *l, int port, const uint8_t key[DNASYNC_DHT_KEY_BYTES]);
/* The same on any path (e.g. OpenDHT's proxy: /key/<hex>/listen); last_event_id may be NULL. */
void gt_listen_start_path(gt_listen_t *l, int port, const char *path, const char *last_event_id);
/* Wait (bounded) until the stream holds needle; 1 when it does. */
int gt_listen_wait(gt_listen_t *l, const char *needle, int timeout_s);
/* Disconnect and join. */
void gt_listen_stop(gt_listen_t *l);

#endif
