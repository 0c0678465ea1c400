#define _POSIX_C_SOURCE 200809L
#include "sync/home_config.h"

#include "dnasync/net.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add_host(home_config_t *cfg, const char *host)
{
    for (size_t i = 0; i < cfg->n_bootstrap; i++)
        if (strcmp(cfg->bootstrap[i], host) == 0)
            return DNASYNC_OK;
    if (cfg->n_bootstrap == HOME_CONFIG_MAX_BOOTSTRAP)
        return DNASYNC_ETOOBIG;
    if (!(cfg->bootstrap[cfg->n_bootstrap] = strdup(host)))
        return DNASYNC_ENOMEM;
    cfg->n_bootstrap++;
    return DNASYNC_OK;
}

static int add_gateway(home_config_t *cfg, const char *url)
{
    for (size_t i = 0; i < cfg->n_gateway; i++)
        if (strcmp(cfg->gateway[i], url) == 0)
            return DNASYNC_OK;
    if (cfg->n_gateway == HOME_CONFIG_MAX_GATEWAY)
        return DNASYNC_ETOOBIG;
    if (!(cfg->gateway[cfg->n_gateway] = strdup(url)))
        return DNASYNC_ENOMEM;
    cfg->n_gateway++;
    return DNASYNC_OK;
}

int home_config_set_profile(home_config_t *cfg, const char *profile, char *err, size_t errlen)
{
    if (strcmp(profile, "desktop") != 0 && strcmp(profile, "mobile") != 0) {
        snprintf(err, errlen, "profile must be desktop or mobile, not '%s'", profile);
        return DNASYNC_EINVAL;
    }
    strcpy(cfg->profile, profile);
    return DNASYNC_OK;
}

int home_config_load(const char *home, home_config_t *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->profile, "desktop");
    char path[4200];
    snprintf(path, sizeof path, "%s/config", home);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return DNASYNC_OK;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return DNASYNC_EIO;
    }
    char line[512];
    int rc = DNASYNC_OK, lineno = 0;
    while (rc == DNASYNC_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(err, errlen, "%s line %d: expected key=value", path, lineno);
            rc = DNASYNC_ECORRUPT;
            break;
        }
        *eq = '\0';
        const char *value = eq + 1;
        if (strcmp(line, "bootstrap") == 0 && strrchr(value, ':')) {
            rc = add_host(cfg, value);
            if (rc != 0)
                snprintf(err, errlen, "%s line %d: cannot add bootstrap", path, lineno);
        } else if (strcmp(line, "gateway") == 0) {
            char why[256];
            rc = dnasync_net_gateway_url_check(value, why, sizeof why) != 0
                     ? DNASYNC_ECORRUPT
                     : add_gateway(cfg, value);
            if (rc != 0)
                snprintf(err, errlen, "%s line %d: %s", path, lineno,
                         rc == DNASYNC_ECORRUPT ? why : "cannot add gateway");
        } else if (strcmp(line, "profile") == 0) {
            rc = home_config_set_profile(cfg, value, err, errlen);
        } else {
            snprintf(err, errlen, "%s line %d: unknown setting '%s'", path, lineno, line);
            rc = DNASYNC_ECORRUPT;
        }
    }
    fclose(f);
    if (rc != 0)
        home_config_clear(cfg);
    return rc;
}

static int save(const char *home, const home_config_t *cfg, char *err, size_t errlen)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/config", home);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return DNASYNC_EIO;
    }
    fprintf(f, "# dnasync device settings\nprofile=%s\n", cfg->profile);
    for (size_t i = 0; i < cfg->n_bootstrap; i++)
        fprintf(f, "bootstrap=%s\n", cfg->bootstrap[i]);
    for (size_t i = 0; i < cfg->n_gateway; i++)
        fprintf(f, "gateway=%s\n", cfg->gateway[i]);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot save %s: %s", path, strerror(errno));
        unlink(tmp);
        return DNASYNC_EIO;
    }
    return DNASYNC_OK;
}

int home_config_add_bootstrap(const char *home, home_config_t *cfg, const char *const *hosts,
                              size_t n, char *err, size_t errlen)
{
    size_t before = cfg->n_bootstrap;
    for (size_t i = 0; i < n; i++) {
        int rc = add_host(cfg, hosts[i]);
        if (rc != 0) {
            snprintf(err, errlen, "too many bootstrap nodes (limit %d)", HOME_CONFIG_MAX_BOOTSTRAP);
            return rc;
        }
    }
    return cfg->n_bootstrap == before ? DNASYNC_OK : save(home, cfg, err, errlen);
}

int home_config_set_gateways(const char *home, home_config_t *cfg, const char *const *urls,
                             size_t n, char *err, size_t errlen)
{
    bool same = n == cfg->n_gateway;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(urls[i], cfg->gateway[i]) == 0;
    if (same)
        return DNASYNC_OK;
    for (size_t i = 0; i < n; i++)
        if (dnasync_net_gateway_url_check(urls[i], err, errlen) != 0)
            return DNASYNC_EINVAL;
    for (size_t i = 0; i < cfg->n_gateway; i++)
        free(cfg->gateway[i]);
    cfg->n_gateway = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = add_gateway(cfg, urls[i]);
        if (rc != 0) {
            snprintf(err, errlen, "too many gateways (limit %d)", HOME_CONFIG_MAX_GATEWAY);
            return rc;
        }
    }
    return save(home, cfg, err, errlen);
}

void home_config_clear(home_config_t *cfg)
{
    for (size_t i = 0; i < cfg->n_bootstrap; i++)
        free(cfg->bootstrap[i]);
    cfg->n_bootstrap = 0;
    for (size_t i = 0; i < cfg->n_gateway; i++)
        free(cfg->gateway[i]);
    cfg->n_gateway = 0;
}
