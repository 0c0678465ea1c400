/* init and join, all or nothing (dnasync_home_create in dnasync/home.h): build the home in a
 * temporary directory beside it, go online, refuse a name another key claims, publish the
 * identity record, read it back, then rename the directory into place. */
#define _XOPEN_SOURCE 700
#include "common/err.h"
#include "common/names.h"
#include "crypto/fingerprint.h"
#include "dnasync/home.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "sync/contacts.h"
#include "sync/home_config.h"
#include "sync/sync_identity.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

/* Remove the temporary home (only ever one this code made: a fixed name beside the home). */
static void remove_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* 0 when dir does not exist or is an empty directory (then removed: *was_empty is set and the
 * rename puts the home in its place; a failure puts the empty directory back). */
static int check_target(const char *dir, int *was_empty, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/identity", dir);
    if (access(path, F_OK) == 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EEXIST,
                               "%s already has an identity; use another home (--home DIR)", dir);
    *was_empty = rmdir(dir) == 0;
    if (*was_empty || errno == ENOENT)
        return DNASYNC_OK;
    if (errno == ENOTEMPTY || errno == EEXIST)
        return dnasync_err_buf(
            err, errlen, DNASYNC_EEXIST,
            "%s exists and is not empty; a new home needs a new or empty directory", dir);
    return dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot use %s as a home: %s", dir,
                           strerror(errno));
}

/* mkdir -p of dir's parent (mode 0700 for the directories it creates). */
static int make_parent(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (strlen(dir) >= sizeof path)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "home path is too long");
    strcpy(path, dir);
    /* The parent is cut in place, not taken from dirname(): for a path without '/' glibc's
     * dirname returns a static "." that must not be written to. */
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return DNASYNC_OK; /* the parent is the working directory or / */
    *slash = '\0';
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
    return DNASYNC_OK;
}

/* Online part: refuse a name another key claims (init), publish, read back. */
static int go_online(const char *tmp, const dnasync_home_create_t *c, const char *name, char *err,
                     size_t errlen)
{
    dnasync_home_options_t opt = {
        .env = c->env, .port = c->port, .network = true, .role = c->name ? "init" : "join"};
    dnasync_home_t *h = NULL;
    int rc = dnasync_home_open(tmp, &opt, &h, err, errlen);
    if (rc != 0)
        return rc;
    sync_context_t *sync = dnasync_home_sync(h);
    if (c->name) {
        dnasync_identity_t *id = NULL;
        uint8_t own[DNASYNC_FP_BYTES];
        sync_claim_t *claims = NULL;
        size_t n = 0;
        rc = dnasync_identity_load(tmp, &id, err, errlen);
        if (rc == 0 && dnasync_fingerprint(id->sign_pk, id->kem_ek, own) != 0)
            rc = dnasync_err_buf(err, errlen, DNASYNC_ECRYPTO, "cannot compute the fingerprint");
        dnasync_identity_free(id);
        if (rc == 0 && sync_name_claims(sync, name, &claims, &n) != 0)
            rc = dnasync_err_buf(err, errlen, DNASYNC_EDHT, "cannot look up '%s' on the DHT: %s",
                                 name, sync_errmsg(sync));
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (memcmp(claims[i].fingerprint, own, DNASYNC_FP_BYTES) == 0)
                continue;
            char hex[DNASYNC_FP_HEX_LEN + 1];
            dnasync_fingerprint_hex(claims[i].fingerprint, hex);
            uint64_t now = dnasync_env_now(c->env);
            rc = dnasync_err_buf(
                err, errlen, DNASYNC_EEXIST,
                "the name '%s' is already claimed on the DHT by another key (fingerprint "
                "%.16s, self-dated %llu days ago%s); choose another name, or two people "
                "would share one mailbox",
                name, hex,
                (unsigned long long)(claims[i].claimed_at <= now
                                         ? (now - claims[i].claimed_at) / DNASYNC_DAY_S
                                         : 0),
                n > 1 ? ", among other claims" : "");
        }
        free(claims);
    }
    if (rc == 0 && sync_publish_identity(sync) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_EDHT, "%s", sync_errmsg(sync));
    dnasync_home_free(h);
    return rc;
}

/* Everything inside the temporary directory; name gets the identity's name. */
static int build(const char *tmp, const dnasync_home_create_t *c, char name[DNASYNC_NAME_MAX + 1],
                 char *err, size_t errlen)
{
    dnasync_identity_t *id = NULL;
    int rc =
        c->name ? dnasync_identity_create(tmp, c->name, c->env, &id, err, errlen)
                : dnasync_linkcode_join(tmp, c->link_code, c->passphrase, c->env, &id, err, errlen);
    if (rc == 0)
        snprintf(name, DNASYNC_NAME_MAX + 1, "%s", id->name);
    dnasync_identity_free(id);
    if (rc == 0)
        rc = dnasync_home_prepare(tmp, c->env, err, errlen);
    home_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    strcpy(cfg.profile, "desktop");
    cfg.offline = c->offline;
    size_t added = 0;
    if (rc == 0)
        rc = home_config_merge_bootstrap(&cfg, c->bootstrap, c->n_bootstrap, &added, err, errlen);
    if (rc == 0 && c->n_gateway)
        rc = home_config_set_gateways(tmp, &cfg, c->gateway, c->n_gateway, err, errlen);
    if (rc == 0)
        rc = home_config_save(tmp, &cfg, err, errlen);
    home_config_clear(&cfg);
    if (rc == 0 && !c->offline)
        rc = go_online(tmp, c, name, err, errlen);
    return rc;
}

int dnasync_home_create(const char *dir, const dnasync_home_create_t *c,
                        char name_out[DNASYNC_NAME_MAX + 1], char *err, size_t errlen)
{
    char why[256];
    if (c->name && dnasync_name_check(c->name, why, sizeof why) != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EINVAL, "invalid name: %s", why);
    for (size_t i = 0; i < c->n_bootstrap; i++) {
        int rc = home_bootstrap_check(c->bootstrap[i], err, errlen);
        if (rc != 0)
            return rc == DNASYNC_ENOTFOUND ? DNASYNC_EINVAL : rc;
    }
    char idpath[4200];
    snprintf(idpath, sizeof idpath, "%s/identity", dir);
    if (access(idpath, F_OK) == 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EEXIST,
                               "%s already has an identity; use another home (--home DIR)", dir);
    if (!c->offline && c->n_bootstrap == 0 && c->n_gateway == 0)
        return dnasync_err_buf(
            err, errlen, DNASYNC_EDHT,
            "%s publishes the identity on the DHT and needs a bootstrap node: give "
            "--bootstrap HOST:PORT or --gateway URL (or --offline: a home that is "
            "published by its first "
            "sync with a bootstrap node)",
            c->name ? "init" : "join");
    int was_empty = 0;
    int rc = make_parent(dir, err, errlen);
    if (rc == 0)
        rc = check_target(dir, &was_empty, err, errlen);
    if (rc != 0)
        return rc;
    char tmp[4200], base[4096];
    snprintf(base, sizeof base, "%s", dir);
    char *slash = strrchr(base, '/');
    if (slash && slash[1] == '\0') /* "dir/" */
        *slash = '\0', slash = strrchr(base, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.dnasync-new", (int)(slash - base), base, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.dnasync-new", base);
    remove_tree(tmp); /* left by a run that was killed */
    char name[DNASYNC_NAME_MAX + 1] = "";
    if (mkdir(tmp, 0700) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot create home %s: %s (at %s)", dir,
                             strerror(errno), tmp);
    else
        rc = build(tmp, c, name, err, errlen);
    if (rc == 0 && rename(tmp, dir) != 0)
        rc = dnasync_err_buf(err, errlen, DNASYNC_EIO, "cannot move the new home into %s: %s", dir,
                             strerror(errno));
    if (rc != 0) {
        remove_tree(tmp);
        if (was_empty)
            mkdir(dir, 0700);
        return rc;
    }
    if (name_out)
        snprintf(name_out, DNASYNC_NAME_MAX + 1, "%s", name);
    return DNASYNC_OK;
}
