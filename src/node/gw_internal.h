/* Internal: what the gateway's HTTP handlers (gw_http.c) and its listen streams (gw_listen.c)
 * share. */
#ifndef DNASYNC_GW_INTERNAL_H
#define DNASYNC_GW_INTERNAL_H

#include "node/gw.h"
#include "node/gw_limits.h"

#include <microhttpd.h>
#include <pthread.h>

struct gw_stream;

struct gw {
    struct MHD_Daemon *d;
    dht_storage_context_t *dht;
    const dnasync_env_t *env;
    char *origins[GW_MAX_ORIGINS];
    size_t n_origins;
    int any_origin;
    char *web_root; /* owned; NULL = found beside the program per request */
    gw_limits_t lim;
    uint16_t port;
    pthread_mutex_t mu; /* streams, stopping */
    struct gw_stream *streams;
    int stopping;
};

/* Adds Access-Control-Allow-Origin + Vary when the request has an allowed Origin. */
void gw_add_cors(gw_t *gw, struct MHD_Connection *c, struct MHD_Response *r);
/* Queue a JSON error {"error":code,"message":msg} with that HTTP status. */
enum MHD_Result gw_reply_error(gw_t *gw, struct MHD_Connection *c, unsigned status,
                               const char *code, const char *msg);
/* A value as JSON text {"id":..,"kind":..,"data":..} (malloc'd), NULL for a foreign type or
 * out of memory. */
char *gw_value_json(const dht_raw_value_t *v);

/* GET /v1/key/{key}/listen: open the SSE stream for client `addr`. */
enum MHD_Result gw_listen_start(gw_t *gw, struct MHD_Connection *c,
                                const uint8_t key[DNASYNC_DHT_KEY_BYTES], const char *addr);
/* End every open stream (gw_stop, before MHD_stop_daemon). */
void gw_listen_close_all(gw_t *gw);

#endif
