/* A home's bootstrap nodes: showing, probing, adding and removing them (dnasync/home.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/err.h"
#include "dht/dht.h"
#include "dnasync/home.h"
#include "dnasync/status.h"
#include "sync/contacts.h"
#include "sync/home_config.h"
#include "sync/home_int.h"
#include "sync/sync_identity.h"

#include <stdio.h>
#include <string.h>

void dnasync_home_settings(const dnasync_home_t *h, dnasync_home_settings_t *out)
{
    out->dir = h->dir;
    out->profile = h->config.profile;
    out->offline = h->config.offline;
    out->bootstrap = (const char *const *)h->config.bootstrap;
    out->n_bootstrap = h->config.n_bootstrap;
    out->ignored = (const char *const *)h->config.ignored;
    out->n_ignored = h->config.n_ignored;
}

int dnasync_home_check_bootstrap(const char *addr, bool resolve, char *err, size_t errlen)
{
    return resolve ? home_bootstrap_check(addr, err, errlen)
                   : home_bootstrap_syntax(addr, err, errlen);
}

int dnasync_home_probe_bootstrap(const char *addr, int timeout_s, char *err, size_t errlen)
{
    int rc = home_bootstrap_check(addr, err, errlen);
    if (rc != 0)
        return rc;
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    cfg.bootstrap = &addr;
    cfg.n_bootstrap = 1;
    cfg.bind = home_bind_for(&addr, 1);
    dht_storage_context_t *dht = NULL;
    rc = dht_storage_init(&cfg, &dht);
    if (rc != 0)
        return dnasync_err_buf(err, errlen, rc, "cannot start a DHT node to try %s: %s", addr,
                               dnasync_last_error());
    rc = home_wait_for_peer(dht, 10 * timeout_s);
    dht_storage_free(dht);
    if (rc != 0)
        snprintf(err, errlen, "no DHT node answered at %s within %d s", addr, timeout_s);
    return rc;
}

int dnasync_home_bootstrap_add(dnasync_home_t *h, const char *const *addrs, size_t n, char *err,
                               size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        int rc = dnasync_home_probe_bootstrap(addrs[i], 10, err, errlen);
        if (rc != 0)
            return rc;
    }
    size_t added = 0;
    int rc = home_config_merge_bootstrap(&h->config, addrs, n, &added, err, errlen);
    if (rc == 0 && added)
        rc = home_config_save(h->dir, &h->config, err, errlen);
    /* possibly a network this identity was never published on: publish at the next pass */
    if (rc == 0 && added && sync_identity_forget_published(h->sync) != 0) {
        snprintf(err, errlen, "%s", sync_errmsg(h->sync));
        rc = DNASYNC_EIO;
    }
    return rc;
}

int dnasync_home_bootstrap_remove(dnasync_home_t *h, const char *const *addrs, size_t n, char *err,
                                  size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (home_config_remove_bootstrap(&h->config, addrs[i]) != 0) {
            snprintf(err, errlen, "%s is not a saved bootstrap node of %s", addrs[i], h->dir);
            return DNASYNC_ENOTFOUND;
        }
    return home_config_save(h->dir, &h->config, err, errlen);
}
