/* A device's home directory: creating it (init), finishing it (after join) and opening it. */
#define _POSIX_C_SOURCE 200809L
#include "dnasync/home.h"
#include "common/err.h"
#include "sync/contacts.h"
#include "sync/home_lock.h"

#include "cache/cache.h"
#include "common/names.h"
#include "crypto/ids.h"
#include "dht/dht.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "net/net.h"
#include "sync/home_config.h"
#include "sync/home_int.h"
#include "sync/sync_identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (strlen(dir) >= sizeof path)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "home path is too long");
    strcpy(path, dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot create home %s: %s (at %s)",
                                   dir, strerror(errno), path);
        *p = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "home %s is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EIO, "home %s is not writable: %s", dir,
                               strerror(errno));
    return DNASYNC_OK;
}

static int open_cache(const char *dir, sqlite3 **db, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cache.db", dir);
    dnasync_cache_t *cache = NULL;
    int rc = dnasync_cache_open(path, &cache);
    if (rc != 0) /* the reason names the path */
        return dnasync_err_buf(err, errlen, rc, "%s", dnasync_last_error());
    /* The cache handle migrated the file; the sync context wraps its own handle. */
    dnasync_cache_free(cache);
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = dnasync_err_buf(err, errlen, DNASYNC_EIO, "cache %s: %s", path, sqlite3_errmsg(*db));
        sqlite3_close(*db);
        *db = NULL;
    }
    return rc;
}

/* A device id is created only for a new device: beside an existing cache.db a missing device_id
 * is an error, since a new id would make that cache's data another device's (issue 10). */
static int load_device_id(const char *dir, const dnasync_env_t *env, char out[33], char *err,
                          size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cache.db", dir);
    struct stat st;
    if (stat(path, &st) != 0)
        return dnasync_device_id_load_or_create(dir, env, out, err, errlen);
    int rc = dnasync_device_id_load(dir, out, err, errlen);
    if (rc == DNASYNC_ENOTFOUND)
        return dnasync_err_buf(
            err, errlen, rc,
            "%s/device_id is missing but this home's cache exists: a new device id would "
            "change the identity of that device's data (restore the file)",
            dir);
    return rc;
}

int dnasync_home_prepare(const char *dir, const dnasync_env_t *env, char *err, size_t errlen)
{
    char device[DNASYNC_DEVICE_ID_LEN + 1];
    int rc = load_device_id(dir, env, device, err, errlen);
    sqlite3 *db = NULL;
    if (rc == 0)
        rc = open_cache(dir, &db, err, errlen);
    sqlite3_close(db);
    return rc;
}

int dnasync_home_init(const char *dir, const char *name, const dnasync_env_t *env, char *err,
                      size_t errlen)
{
    char why[256];
    if (dnasync_name_check(name, why, sizeof why) != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "invalid name: %s", why);
    int rc = make_dirs(dir, err, errlen);
    if (rc != 0)
        return rc;
    dnasync_identity_t *id = NULL;
    rc = dnasync_identity_create(dir, name, env, &id, err, errlen);
    dnasync_identity_free(id);
    if (rc != 0)
        return rc;
    return dnasync_home_prepare(dir, env, err, errlen);
}

/* A device's node binds loopback (its default) only when every bootstrap node is on this
 * machine; with a remote one it must bind the wildcard, or it can reach nobody: datagrams from
 * 127.0.0.1 never leave the host (seen in the multi-host harness, docs/scale.md). */
const char *home_bind_for(const char *const *bootstrap, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *b = bootstrap[i];
        if (strncmp(b, "127.", 4) != 0 && strncmp(b, "localhost:", 10) != 0 &&
            strncmp(b, "[::1]:", 6) != 0)
            return "0.0.0.0";
    }
    return NULL;
}

int home_wait_for_peer(dht_storage_context_t *dht, int tenths)
{
    for (int i = 0; i < 2 * tenths; i++) {
        dht_storage_stats_t st;
        if (dht_storage_stats(dht, &st) == 0 && st.nodes > 0)
            return DNASYNC_OK;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return DNASYNC_EDHT;
}

static int start_dht(dnasync_home_t *h, const dnasync_home_options_t *opt, char *err, size_t errlen)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.port = opt->port;
    cfg.env = opt->env;
    cfg.peers_confirm = 1; /* a device's own store is not the network (issue 10, D6) */
    /* Keep this device's DHT port and routing table between runs: a device that comes back
     * under the address others already know does not leave a dead node behind each run. */
    char persist[4200];
    snprintf(persist, sizeof persist, "%s/dht", h->dir);
    cfg.persist_dir = persist;
    /* A saved address that no longer resolves is left out, never fatal: the others (or a
     * --bootstrap given now) still work, and `dnasync bootstrap remove` drops it. */
    const char *usable[HOME_CONFIG_MAX_BOOTSTRAP];
    char skipped[512] = "";
    for (size_t i = 0; i < h->config.n_bootstrap; i++) {
        char why[300];
        if (home_bootstrap_check(h->config.bootstrap[i], why, sizeof why) == 0)
            usable[cfg.n_bootstrap++] = h->config.bootstrap[i];
        else if (!skipped[0])
            snprintf(skipped, sizeof skipped, " (left out: %s)", why);
    }
    cfg.bootstrap = usable;
    if (cfg.n_bootstrap == 0 && !h->config.offline)
        return dnasync_err_buf(
            err, errlen, DNASYNC_EDHT,
            "no bootstrap node known for %s%s: add one with dnasync bootstrap add "
            "HOST:PORT (or --bootstrap HOST:PORT)",
            h->dir, skipped);
    cfg.bind = home_bind_for(usable, cfg.n_bootstrap);
    int rc = dht_storage_init(&cfg, &h->dht);
    if (rc != 0)
        return dnasync_err_buf(err, errlen, rc, "cannot start the DHT node: %s",
                               dnasync_last_error());
    if (cfg.n_bootstrap == 0)
        return DNASYNC_OK; /* a local-only home (created --offline): a lone embedded node */
    /* A node that reached nobody answers every get with "nothing": never let that pass for
     * an empty mailbox. Wait (bounded) until the routing table has a peer. */
    if (home_wait_for_peer(h->dht, 100) == 0)
        return DNASYNC_OK;
    return dnasync_err_buf(err, errlen, DNASYNC_EDHT,
                           "cannot reach any DHT node (tried %s%s) within 10 s%s", cfg.bootstrap[0],
                           cfg.n_bootstrap > 1 ? " and others" : "", skipped);
}

int dnasync_home_open(const char *dir, const dnasync_home_options_t *opt, dnasync_home_t **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_ENOTFOUND,
                               "no dnasync home at %s (create one with: dnasync init NAME)", dir);
    dnasync_home_t *h = calloc(1, sizeof *h);
    if (!h || !(h->dir = strdup(dir))) {
        free(h);
        return dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
    }
    int rc = dnasync_identity_load(dir, &h->id, err, errlen);
    if (rc == 0)
        rc = load_device_id(dir, opt->env, h->device_id, err, errlen);
    if (rc == 0)
        rc = home_config_load(dir, &h->config, err, errlen);
    /* New bootstrap nodes are checked now (syntax, the host resolves) and saved only once
     * the network answered, so a bad address never reaches the config. */
    for (size_t i = 0; rc == 0 && i < opt->n_bootstrap; i++)
        rc = home_bootstrap_check(opt->bootstrap[i], err, errlen);
    size_t added = 0;
    if (rc == 0 && opt->n_bootstrap)
        rc = home_config_merge_bootstrap(&h->config, opt->bootstrap, opt->n_bootstrap, &added, err,
                                         errlen);
    h->config_changed = added > 0;
    if (rc == 0 && opt->n_gateway)
        rc = home_config_set_gateways(dir, &h->config, opt->gateway, opt->n_gateway, err, errlen);
    if (rc == 0 && opt->profile)
        rc = home_config_set_profile(&h->config, opt->profile, err, errlen);
    if (rc == 0)
        rc = open_cache(dir, &h->db, err, errlen);
    bool via_gateway = h->config.n_gateway > 0 && (opt->oneshot || h->config.n_bootstrap == 0 ||
                                                   strcmp(h->config.profile, "mobile") == 0);
    if (rc == 0 && opt->network && opt->net) {
        h->net = opt->net;
    } else if (rc == 0 && opt->network && via_gateway) {
        /* never a DHT node: no routing table anywhere learns of this device */
        rc = dnasync_net_gateway_new((const char *const *)h->config.gateway, h->config.n_gateway,
                                     opt->env, &h->own_net, err, errlen);
        h->net = h->own_net;
    } else if (rc == 0 && opt->network) {
        rc = dnasync_home_lock_take(dir, opt->role ? opt->role : "dnasync", &h->lock, NULL, err,
                                    errlen);
        if (rc == 0)
            rc = start_dht(h, opt, err, errlen);
        if (rc == 0 && dnasync_net_dht_new(h->dht, &h->own_net) != 0)
            rc = dnasync_err_buf(err, errlen, DNASYNC_ENOMEM, "out of memory");
        h->net = h->own_net;
    }
    if (rc == 0 && h->config_changed && h->dht) /* the network answered: remember them */
        rc = home_config_save(dir, &h->config, err, errlen);
    if (rc == 0) {
        h->sync = sync_init_net(h->db, h->net, h->id->name, opt->env);
        if (!h->sync)
            rc = dnasync_err_buf(err, errlen, DNASYNC_ERR,
                                 "cannot start the sync engine on %s/cache.db: %s", dir,
                                 dnasync_last_error());
    }
    if (rc == 0 &&
        (sync_set_identity(h->sync, h->id, h->device_id) != 0 || sync_set_home(h->sync, dir) != 0 ||
         sync_set_profile(h->sync, strcmp(h->config.profile, "mobile") == 0
                                       ? SYNC_PROFILE_MOBILE
                                       : SYNC_PROFILE_DESKTOP) != 0))
        rc = dnasync_err_buf(err, errlen, DNASYNC_ERR, "%s", sync_errmsg(h->sync));
    /* A network this home never published to: publish at the next pass (an --offline home). */
    if (rc == 0 && h->config_changed && h->dht && sync_identity_forget_published(h->sync) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_ERR, "%s", sync_errmsg(h->sync));
    if (rc != 0) {
        dnasync_home_free(h);
        return rc;
    }
    *out = h;
    return DNASYNC_OK;
}

void dnasync_home_free(dnasync_home_t *h)
{
    if (!h)
        return;
    sync_free(h->sync);
    dnasync_net_free(h->own_net);
    dht_storage_free(h->dht);
    dnasync_home_lock_release(h->lock); /* after the node has stopped */
    sqlite3_close(h->db);
    dnasync_identity_free(h->id);
    home_config_clear(&h->config);
    free(h->dir);
    free(h);
}

sync_context_t *dnasync_home_sync(dnasync_home_t *h)
{
    return h->sync;
}
const char *dnasync_home_name(const dnasync_home_t *h)
{
    return h->id->name;
}
const char *dnasync_home_device_id(const dnasync_home_t *h)
{
    return h->device_id;
}
const char *dnasync_home_profile(const dnasync_home_t *h)
{
    return h->config.profile;
}
dht_storage_context_t *dnasync_home_dht(dnasync_home_t *h)
{
    return h->dht;
}
dnasync_net_t *dnasync_home_net(dnasync_home_t *h)
{
    return h->net;
}
const char *dnasync_home_transport(const dnasync_home_t *h)
{
    return !h->net ? "offline" : h->dht ? "dht" : h->own_net ? "gateway" : "given";
}
