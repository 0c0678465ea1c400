/* A device's home directory: <home>/identity, device_id, cache.db, config, pins.
 * Opening a home gives a ready sync context (cache + identity + optional DHT node). */
#ifndef DNASYNC_HOME_H
#define DNASYNC_HOME_H

#include "dnasync/export.h"

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
    dnasync_net_t *net; /* a transport to use instead of a DHT node (made by the transport
                           layer, src/net/net.h, which is not installed; borrowed, must outlive
                           the home); NULL = this device's own DHT node */
    /* With its own DHT node (network, no net): the role written into the home lock
     * (<home>/lock, docs/sync.md), e.g. "daemon", "send"; NULL = "dnasync". Opening fails with
     * DNASYNC_EBUSY while another process runs the home's node. */
    const char *role;
} dnasync_home_options_t;

/* Create a new home for identity `name`: directory (mode 0700), identity keys, device_id,
 * cache.db. Refuses a home that already has an identity. 0 ok; err gets a one-line reason. */
DNASYNC_API int dnasync_home_init(const char *dir, const char *name, const dnasync_env_t *env,
                                  char *err, size_t errlen);

/* Finish a home whose identity already exists (after `join`): device_id and cache.db. */
DNASYNC_API int dnasync_home_prepare(const char *dir, const dnasync_env_t *env, char *err,
                                     size_t errlen);

/* What `init` and `join` do, all or nothing: the home is built in a temporary directory beside
 * dir (identity, device_id, cache.db, config with the bootstrap nodes) and renamed into place
 * only once complete. Unless offline, it first goes online: `init` refuses a name another key
 * already claims on the DHT (DNASYNC_EEXIST naming the claim's fingerprint and age), then the
 * identity record is published and read back from the network. On failure nothing exists at
 * dir (a temporary directory left by a killed run is removed by the next attempt).
 * dir must not exist or be an empty directory. */
typedef struct dnasync_home_create {
    const char *name;       /* init: the new identity's name; NULL for join */
    const char *link_code;  /* join: a code from dnasync_linkcode_make, and its passphrase */
    const char *passphrase; /* (join) */
    const dnasync_env_t *env;
    const char *const *bootstrap; /* HOST:PORT, checked and saved in the config */
    size_t n_bootstrap;
    const char *const *gateway; /* gateway URLs (saved; used when there is no bootstrap node) */
    size_t n_gateway;
    int port;     /* local DHT port while creating, 0 = any */
    bool offline; /* no network: not published (the first sync with a bootstrap node does it);
                     the home may run local-only without bootstrap nodes */
} dnasync_home_create_t;
/* name_out (may be NULL) gets the identity's name (join: the one in the code). 0 ok;
 * DNASYNC_EINVAL (bad name or address), DNASYNC_EEXIST (home exists, or the name is claimed by
 * another key), DNASYNC_EDHT (no bootstrap node nor gateway given, or no network reached),
 * DNASYNC_EAUTH / DNASYNC_ECORRUPT (join: wrong passphrase, damaged code), DNASYNC_EIO. */
DNASYNC_API int dnasync_home_create(const char *dir, const dnasync_home_create_t *c,
                                    char name_out[DNASYNC_NAME_MAX + 1], char *err, size_t errlen);

/* Settings of an open home (`dnasync config`); every pointer borrowed from the home. */
typedef struct dnasync_home_settings {
    const char *dir, *profile;
    bool offline;
    const char *const *bootstrap; /* saved HOST:PORT entries */
    size_t n_bootstrap;
    const char *const *ignored; /* saved lines that are not HOST:PORT (escaped) */
    size_t n_ignored;
} dnasync_home_settings_t;
DNASYNC_API void dnasync_home_settings(const dnasync_home_t *h, dnasync_home_settings_t *out);
/* A bootstrap address as a user typed it: HOST:PORT ([v6]:PORT), PORT 1..65535, and (resolve)
 * the host resolves. 0 ok; DNASYNC_EINVAL (syntax) or DNASYNC_ENOTFOUND (unresolvable), the
 * reason in err. */
DNASYNC_API int dnasync_home_check_bootstrap(const char *addr, bool resolve, char *err,
                                             size_t errlen);
/* Check addr (syntax, resolves) and whether a DHT node answers there within timeout_s
 * (a short-lived node of its own). 0 ok; DNASYNC_EINVAL, DNASYNC_ENOTFOUND, DNASYNC_EDHT. */
DNASYNC_API int dnasync_home_probe_bootstrap(const char *addr, int timeout_s, char *err,
                                             size_t errlen);
/* Add (each checked and probed first; all or nothing) or remove saved bootstrap nodes of an
 * open home, saving the config. remove: DNASYNC_ENOTFOUND for an address not saved. */
DNASYNC_API int dnasync_home_bootstrap_add(dnasync_home_t *h, const char *const *addrs, size_t n,
                                           char *err, size_t errlen);
DNASYNC_API int dnasync_home_bootstrap_remove(dnasync_home_t *h, const char *const *addrs, size_t n,
                                              char *err, size_t errlen);

/* Open an initialised home. *out is freed with dnasync_home_free. With opt->network the home
 * lock is taken before the DHT node starts and held until dnasync_home_free. */
DNASYNC_API int dnasync_home_open(const char *dir, const dnasync_home_options_t *opt,
                                  dnasync_home_t **out, char *err, size_t errlen);
DNASYNC_API void dnasync_home_free(dnasync_home_t *h);

/* Borrowed from the home; valid until dnasync_home_free. */
DNASYNC_API sync_context_t *dnasync_home_sync(dnasync_home_t *h);
DNASYNC_API const char *dnasync_home_name(const dnasync_home_t *h);
DNASYNC_API const char *dnasync_home_device_id(const dnasync_home_t *h);
DNASYNC_API const char *dnasync_home_profile(const dnasync_home_t *h);
DNASYNC_API dht_storage_context_t *
dnasync_home_dht(dnasync_home_t *h);                            /* NULL unless it runs a DHT node */
DNASYNC_API dnasync_net_t *dnasync_home_net(dnasync_home_t *h); /* the transport; NULL offline */
/* How this home is online: "dht", "gateway", "given" (opt->net) or "offline". Static. */
DNASYNC_API const char *dnasync_home_transport(const dnasync_home_t *h);

#ifdef __cplusplus
}
#endif
#endif
