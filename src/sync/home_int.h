/* Internal: an open home, shared by home.c, home_create.c and home_bootstrap.c. */
#ifndef DNASYNC_HOME_INT_H
#define DNASYNC_HOME_INT_H

#include "crypto/ids.h"
#include "dnasync/home.h"
#include "net/net.h"
#include "sync/home_config.h"
#include "sync/home_lock.h"

#include <sqlite3.h>

struct dnasync_home {
    char *dir;
    sqlite3 *db;
    dnasync_identity_t *id;
    dht_storage_context_t *dht;
    dnasync_net_t *own_net;    /* the transport this home made (over dht); NULL when given one */
    dnasync_net_t *net;        /* the transport in use: own_net or the caller's */
    dnasync_home_lock_t *lock; /* held while this process runs the home's DHT node */
    sync_context_t *sync;
    home_config_t config;
    bool config_changed; /* bootstrap nodes given this run: saved once the network answered */
    char device_id[DNASYNC_DEVICE_ID_LEN + 1];
};

/* The address a device's node binds for these bootstrap nodes: NULL (loopback) or "0.0.0.0". */
const char *home_bind_for(const char *const *bootstrap, size_t n);
/* Wait (bounded, 10 s) until dht knows a peer. 0 ok, DNASYNC_EDHT. */
int home_wait_for_peer(dht_storage_context_t *dht, int tenths);

#endif
