/* <home>/config: parsing, checking and saving (see home_config.h). */
#define _POSIX_C_SOURCE 200809L
#include "sync/home_config.h"

#include "common/file.h"
#include "dnasync/status.h"
#include "net/net.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* At most 40 bytes of s, non-printable bytes as \xNN: safe to put in a message. */
static void printable(const char *s, size_t n, char out[200])
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 40 && o < 190; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 200 - o, "\\x%02x", c);
    }
    if (n > 40 && o < 190)
        o += (size_t)snprintf(out + o, 200 - o, "...");
    out[o] = '\0';
}

/* Splits addr into host and port (host without brackets). 0 ok, else EINVAL with the reason. */
static int split(const char *addr, char host[256], char port[8], char *err, size_t errlen)
{
    char shown[200];
    printable(addr, strlen(addr), shown);
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr) {
        snprintf(err, errlen, "bootstrap address '%s' is not HOST:PORT", shown);
        return DNASYNC_EINVAL;
    }
    size_t hl = (size_t)(colon - addr);
    const char *h = addr;
    if (addr[0] == '[') { /* [v6]:port */
        if (hl < 3 || addr[hl - 1] != ']') {
            snprintf(err, errlen,
                     "bootstrap address '%s': an IPv6 host goes in brackets, [::1]:4222", shown);
            return DNASYNC_EINVAL;
        }
        h++;
        hl -= 2;
    } else if (memchr(addr, ':', hl)) {
        snprintf(err, errlen, "bootstrap address '%s': an IPv6 host goes in brackets, [::1]:4222",
                 shown);
        return DNASYNC_EINVAL;
    }
    if (hl == 0 || hl >= 256) {
        snprintf(err, errlen, "bootstrap address '%s' has no usable host", shown);
        return DNASYNC_EINVAL;
    }
    for (size_t i = 0; i < hl; i++)
        if (!isalnum((unsigned char)h[i]) && !strchr(".-_:%", h[i])) {
            snprintf(err, errlen,
                     "bootstrap address '%s': character %zu of the host is not allowed", shown,
                     i + 1);
            return DNASYNC_EINVAL;
        }
    const char *p = colon + 1;
    size_t pl = strlen(p);
    long v = 0;
    for (size_t i = 0; i < pl && i < 6; i++)
        v = isdigit((unsigned char)p[i]) ? v * 10 + (p[i] - '0') : -1;
    if (pl == 0 || pl > 5 || v < 1 || v > 65535) {
        snprintf(err, errlen, "bootstrap address '%s': the port must be a number 1..65535", shown);
        return DNASYNC_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, p, pl + 1);
    return DNASYNC_OK;
}

int home_bootstrap_syntax(const char *addr, char *err, size_t errlen)
{
    char host[256], port[8];
    return split(addr, host, port, err, errlen);
}

int home_bootstrap_check(const char *addr, char *err, size_t errlen)
{
    char host[256], port[8];
    int rc = split(addr, host, port, err, errlen);
    if (rc != 0)
        return rc;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host, port, &hints, &res);
    if (res)
        freeaddrinfo(res);
    if (g != 0) {
        snprintf(err, errlen, "bootstrap address '%s': cannot resolve '%s' (%s)", addr, host,
                 gai_strerror(g));
        return DNASYNC_ENOTFOUND;
    }
    return DNASYNC_OK;
}

/* Appends s to list (of cap slots) unless present: 1 added, 0 present, < 0 error. */
static int add_to(char **list, size_t *n, size_t cap, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0)
            return 0;
    if (*n == cap)
        return DNASYNC_ETOOBIG;
    if (!(list[*n] = strdup(s)))
        return DNASYNC_ENOMEM;
    (*n)++;
    return 1;
}

int home_config_set_profile(home_config_t *cfg, const char *profile, char *err, size_t errlen)
{
    if (strcmp(profile, "desktop") != 0 && strcmp(profile, "mobile") != 0) {
        char shown[200];
        printable(profile, strlen(profile), shown);
        snprintf(err, errlen, "profile must be desktop or mobile, not '%s'", shown);
        return DNASYNC_EINVAL;
    }
    strcpy(cfg->profile, profile);
    return DNASYNC_OK;
}

/* One "key=value" line (NUL-terminated, no newline). */
static int parse_line(home_config_t *cfg, char *line, const char *path, int lineno, char *err,
                      size_t errlen)
{
    char *eq = strchr(line, '=');
    char shown[200];
    if (!eq) {
        snprintf(err, errlen, "%s line %d: expected key=value", path, lineno);
        return DNASYNC_ECORRUPT;
    }
    *eq = '\0';
    const char *value = eq + 1;
    int rc = DNASYNC_OK;
    if (strcmp(line, "bootstrap") == 0) {
        char why[256];
        rc = home_bootstrap_syntax(value, why, sizeof why) == 0
                 ? add_to(cfg->bootstrap, &cfg->n_bootstrap, HOME_CONFIG_MAX_BOOTSTRAP, value)
                 : (printable(value, strlen(value), shown),
                    add_to(cfg->ignored, &cfg->n_ignored, HOME_CONFIG_MAX_BOOTSTRAP, shown));
        if (rc < 0)
            snprintf(err, errlen, "%s line %d: too many bootstrap nodes (limit %d)", path, lineno,
                     HOME_CONFIG_MAX_BOOTSTRAP);
    } else if (strcmp(line, "gateway") == 0) {
        char why[256];
        rc = dnasync_net_gateway_url_check(value, why, sizeof why) != 0
                 ? DNASYNC_ECORRUPT
                 : add_to(cfg->gateway, &cfg->n_gateway, HOME_CONFIG_MAX_GATEWAY, value);
        if (rc == DNASYNC_ETOOBIG)
            snprintf(err, errlen, "%s line %d: too many gateways (limit %d)", path, lineno,
                     HOME_CONFIG_MAX_GATEWAY);
        else if (rc < 0)
            snprintf(err, errlen, "%s line %d: %s", path, lineno, why);
    } else if (strcmp(line, "profile") == 0) {
        char why[256];
        rc = home_config_set_profile(cfg, value, why, sizeof why);
        if (rc != 0)
            snprintf(err, errlen, "%s line %d: %s", path, lineno, why);
    } else if (strcmp(line, "offline") == 0 &&
               (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)) {
        cfg->offline = value[0] == 'y';
    } else {
        printable(line, strlen(line), shown);
        snprintf(err, errlen, "%s line %d: unknown setting '%s'", path, lineno, shown);
        rc = DNASYNC_ECORRUPT;
    }
    return rc < 0 ? (rc == DNASYNC_EINVAL ? DNASYNC_ECORRUPT : rc) : DNASYNC_OK;
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
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > HOME_CONFIG_MAX_FILE) {
        fclose(f);
        snprintf(err, errlen, "%s is larger than %d bytes; it is not a dnasync config", path,
                 HOME_CONFIG_MAX_FILE);
        return DNASYNC_ECORRUPT;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = DNASYNC_OK, lineno = 0;
    while (rc == DNASYNC_OK && lineno < HOME_CONFIG_MAX_LINES &&
           (got = getline(&line, &cap, f)) > 0) {
        lineno++;
        size_t len = (size_t)got;
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len > HOME_CONFIG_MAX_LINE) {
            snprintf(err, errlen, "%s line %d is %zu bytes long, the limit is %d", path, lineno,
                     len, HOME_CONFIG_MAX_LINE);
            rc = DNASYNC_ECORRUPT;
        } else if (strlen(line) != len) {
            snprintf(err, errlen, "%s line %d contains a NUL byte", path, lineno);
            rc = DNASYNC_ECORRUPT;
        } else if (line[0] != '\0' && line[0] != '#') {
            rc = parse_line(cfg, line, path, lineno, err, errlen);
        }
    }
    if (rc == DNASYNC_OK && lineno == HOME_CONFIG_MAX_LINES && !feof(f)) {
        snprintf(err, errlen, "%s has more than %d lines", path, HOME_CONFIG_MAX_LINES);
        rc = DNASYNC_ECORRUPT;
    }
    if (rc == DNASYNC_OK && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        rc = DNASYNC_EIO;
    }
    free(line);
    fclose(f);
    if (rc != 0)
        home_config_clear(cfg);
    return rc;
}

int home_config_save(const char *home, const home_config_t *cfg, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/config", home);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        snprintf(err, errlen, "cannot save %s: %s", path, strerror(errno));
        return DNASYNC_ENOMEM;
    }
    fprintf(f, "# dnasync device settings\nprofile=%s\n", cfg->profile);
    if (cfg->offline)
        fputs("offline=yes\n", f);
    for (size_t i = 0; i < cfg->n_bootstrap; i++)
        fprintf(f, "bootstrap=%s\n", cfg->bootstrap[i]);
    for (size_t i = 0; i < cfg->n_gateway; i++)
        fprintf(f, "gateway=%s\n", cfg->gateway[i]);
    if (fclose(f) != 0) {
        free(text);
        snprintf(err, errlen, "cannot save %s: out of memory", path);
        return DNASYNC_ENOMEM;
    }
    char werr[512];
    int rc = dnasync_file_write_atomic(path, text, len, true, werr, sizeof werr);
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "cannot save %s: %s", path, werr);
    return rc;
}

int home_config_merge_bootstrap(home_config_t *cfg, const char *const *hosts, size_t n,
                                size_t *added, char *err, size_t errlen)
{
    *added = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = home_bootstrap_syntax(hosts[i], err, errlen);
        if (rc != 0)
            return rc;
        rc = add_to(cfg->bootstrap, &cfg->n_bootstrap, HOME_CONFIG_MAX_BOOTSTRAP, hosts[i]);
        if (rc < 0) {
            snprintf(err, errlen, "too many bootstrap nodes (limit %d)", HOME_CONFIG_MAX_BOOTSTRAP);
            return rc;
        }
        *added += (size_t)rc;
    }
    return DNASYNC_OK;
}

int home_config_add_bootstrap(const char *home, home_config_t *cfg, const char *const *hosts,
                              size_t n, char *err, size_t errlen)
{
    size_t added = 0;
    int rc = home_config_merge_bootstrap(cfg, hosts, n, &added, err, errlen);
    return rc != 0 || added == 0 ? rc : home_config_save(home, cfg, err, errlen);
}

int home_config_set_gateways(const char *home, home_config_t *cfg, const char *const *urls,
                             size_t n, char *err, size_t errlen)
{
    bool same = n == cfg->n_gateway;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(urls[i], cfg->gateway[i]) == 0;
    if (same)
        return DNASYNC_OK;
    if (n > HOME_CONFIG_MAX_GATEWAY) {
        snprintf(err, errlen, "too many gateways (limit %d)", HOME_CONFIG_MAX_GATEWAY);
        return DNASYNC_ETOOBIG;
    }
    for (size_t i = 0; i < n; i++)
        if (dnasync_net_gateway_url_check(urls[i], err, errlen) != 0)
            return DNASYNC_EINVAL;
    for (size_t i = 0; i < cfg->n_gateway; i++)
        free(cfg->gateway[i]);
    cfg->n_gateway = 0;
    for (size_t i = 0; i < n; i++)
        if (add_to(cfg->gateway, &cfg->n_gateway, HOME_CONFIG_MAX_GATEWAY, urls[i]) < 0) {
            snprintf(err, errlen, "out of memory");
            return DNASYNC_ENOMEM;
        }
    return home_config_save(home, cfg, err, errlen);
}

static int remove_from(char **list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0) {
            free(list[i]);
            memmove(list + i, list + i + 1, (*n - i - 1) * sizeof *list);
            (*n)--;
            return DNASYNC_OK;
        }
    return DNASYNC_ENOTFOUND;
}

int home_config_remove_bootstrap(home_config_t *cfg, const char *addr)
{
    return remove_from(cfg->bootstrap, &cfg->n_bootstrap, addr) == 0
               ? DNASYNC_OK
               : remove_from(cfg->ignored, &cfg->n_ignored, addr);
}

void home_config_clear(home_config_t *cfg)
{
    for (size_t i = 0; i < cfg->n_bootstrap; i++)
        free(cfg->bootstrap[i]);
    for (size_t i = 0; i < cfg->n_ignored; i++)
        free(cfg->ignored[i]);
    for (size_t i = 0; i < cfg->n_gateway; i++)
        free(cfg->gateway[i]);
    cfg->n_bootstrap = cfg->n_ignored = cfg->n_gateway = 0;
}
