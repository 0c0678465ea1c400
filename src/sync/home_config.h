/* Internal: <home>/config, a small "key=value" file: profile, bootstrap nodes, offline. */
#ifndef DNASYNC_HOME_CONFIG_H
#define DNASYNC_HOME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define HOME_CONFIG_MAX_BOOTSTRAP 32
#define HOME_CONFIG_MAX_GATEWAY 8
#define HOME_CONFIG_MAX_LINE 511 /* bytes of one line, without its newline */
#define HOME_CONFIG_MAX_LINES 1000
#define HOME_CONFIG_MAX_FILE (64 * 1024)

typedef struct home_config {
    char profile[16];                           /* "desktop" (default) or "mobile" */
    char *bootstrap[HOME_CONFIG_MAX_BOOTSTRAP]; /* owned HOST:PORT strings, syntax checked */
    size_t n_bootstrap;
    /* saved bootstrap lines whose syntax is wrong: kept out of use (never brick the home),
     * shown by `dnasync config`, dropped by the next save; owned, printable (escaped) */
    char *ignored[HOME_CONFIG_MAX_BOOTSTRAP];
    size_t n_ignored;
    char *gateway[HOME_CONFIG_MAX_GATEWAY]; /* owned URLs, in failover order */
    size_t n_gateway;
    bool offline; /* created with --offline: may run as a local-only home (no bootstrap) */
} home_config_t;

/* A missing file gives the defaults. A malformed line (no '=', unknown setting, longer than
 * HOME_CONFIG_MAX_LINE) is an error naming file and line, never echoing unprintable bytes; a
 * bootstrap address with bad syntax is only set aside in cfg->ignored. */
int home_config_load(const char *home, home_config_t *cfg, char *err, size_t errlen);
/* Write the file atomically (temporary file, fsync, rename). */
int home_config_save(const char *home, const home_config_t *cfg, char *err, size_t errlen);
/* Add HOST:PORT entries in memory (syntax checked, duplicates skipped); *added counts new ones.
 * DNASYNC_EINVAL naming the address, DNASYNC_ETOOBIG over the limit. */
int home_config_merge_bootstrap(home_config_t *cfg, const char *const *hosts, size_t n,
                                size_t *added, char *err, size_t errlen);
/* merge + save when something was added. */
int home_config_add_bootstrap(const char *home, home_config_t *cfg, const char *const *hosts,
                              size_t n, char *err, size_t errlen);
/* Remove addr (a bootstrap entry or an ignored line, exact text) in memory: 0, or
 * DNASYNC_ENOTFOUND. */
int home_config_remove_bootstrap(home_config_t *cfg, const char *addr);
/* Replaces the gateway list with urls (in this order) and saves the file atomically. */
int home_config_set_gateways(const char *home, home_config_t *cfg, const char *const *urls,
                             size_t n, char *err, size_t errlen);
/* Sets the profile for this run (not saved). */
int home_config_set_profile(home_config_t *cfg, const char *profile, char *err, size_t errlen);
void home_config_clear(home_config_t *cfg);

/* HOST:PORT syntax: HOST a name or IPv4 address, or an IPv6 address in brackets; PORT 1..65535.
 * 0 ok, else DNASYNC_EINVAL with the reason. */
int home_bootstrap_syntax(const char *addr, char *err, size_t errlen);
/* Syntax, then the host resolves (getaddrinfo). DNASYNC_EINVAL / DNASYNC_ENOTFOUND. */
int home_bootstrap_check(const char *addr, char *err, size_t errlen);

#endif
