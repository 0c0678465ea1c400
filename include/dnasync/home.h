/* A device's home directory: <home>/identity, device_id, cache.db, config, pins.
 * Opening a home gives a ready sync context (cache + identity + optional DHT node). */
#ifndef DNASYNC_HOME_H
#define DNASYNC_HOME_H

#include "dnasync/env.h"
#include "dnasync/sync_protocol.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnasync_home dnasync_home_t;

typedef struct dnasync_home_options {
    const dnasync_env_t *env;     /* NULL = real clock and RNG */
    const char *profile;          /* "desktop"/"mobile"; NULL = config, else desktop */
    const char *const *bootstrap; /* HOST:PORT; added to <home>/config for next time */
    size_t n_bootstrap;
    const char *const *gateway; /* gateway URLs in failover order: replace the list remembered
                                   in <home>/config */
    size_t n_gateway;
    bool oneshot; /* a short command: with a gateway remembered, go online through it instead of
                     starting a DHT node (so does the mobile profile, and a home that knows no
                     bootstrap node) */
    int port;     /* local DHT port, 0 = any */
    bool network; /* go online: through net when given, else a gateway (oneshot) or a DHT node */
    dnasync_net_t *net; /* a transport to use instead of a DHT node (dnasync/net.h; borrowed,
                           must outlive the home); NULL = this device's own DHT node */
    /* With its own DHT node (network, no net): the role written into the home lock
     * (dnasync/home_lock.h), e.g. "daemon", "send"; NULL = "dnasync". Opening fails with
     * DNASYNC_EBUSY while another process runs the home's node. */
    const char *role;
} dnasync_home_options_t;

/* Create a new home for identity `name`: directory (mode 0700), identity keys, device_id,
 * cache.db. Refuses a home that already has an identity. 0 ok; err gets a one-line reason. */
int dnasync_home_init(const char *dir, const char *name, const dnasync_env_t *env, char *err,
                      size_t errlen);

/* Finish a home whose identity already exists (after `join`): device_id and cache.db. */
int dnasync_home_prepare(const char *dir, const dnasync_env_t *env, char *err, size_t errlen);

/* Open an initialised home. *out is freed with dnasync_home_free. With opt->network the home
 * lock is taken before the DHT node starts and held until dnasync_home_free. */
int dnasync_home_open(const char *dir, const dnasync_home_options_t *opt, dnasync_home_t **out,
                      char *err, size_t errlen);
void dnasync_home_free(dnasync_home_t *h);

/* Borrowed from the home; valid until dnasync_home_free. */
sync_context_t *dnasync_home_sync(dnasync_home_t *h);
const char *dnasync_home_name(const dnasync_home_t *h);
const char *dnasync_home_device_id(const dnasync_home_t *h);
const char *dnasync_home_profile(const dnasync_home_t *h);
dht_storage_context_t *dnasync_home_dht(dnasync_home_t *h); /* NULL unless it runs a DHT node */
dnasync_net_t *dnasync_home_net(dnasync_home_t *h);         /* the transport; NULL offline */
/* How this home is online: "dht", "gateway", "given" (opt->net) or "offline". Static. */
const char *dnasync_home_transport(const dnasync_home_t *h);

#ifdef __cplusplus
}
#endif
#endif
