/* Internal: <home>/config, a small "key=value" file: profile and bootstrap nodes. */
#ifndef DNASYNC_HOME_CONFIG_H
#define DNASYNC_HOME_CONFIG_H

#include <stddef.h>

#define HOME_CONFIG_MAX_BOOTSTRAP 32
#define HOME_CONFIG_MAX_GATEWAY 8

typedef struct home_config {
    char profile[16];                           /* "desktop" (default) or "mobile" */
    char *bootstrap[HOME_CONFIG_MAX_BOOTSTRAP]; /* owned HOST:PORT strings */
    size_t n_bootstrap;
    char *gateway[HOME_CONFIG_MAX_GATEWAY]; /* owned URLs, in failover order */
    size_t n_gateway;
} home_config_t;

/* A missing file gives the defaults; a malformed line is an error naming file and line. */
int home_config_load(const char *home, home_config_t *cfg, char *err, size_t errlen);
/* Adds new HOST:PORT entries (duplicates skipped) and saves the file atomically. */
int home_config_add_bootstrap(const char *home, home_config_t *cfg, const char *const *hosts,
                              size_t n, char *err, size_t errlen);
/* Replaces the gateway list with urls (in this order) and saves the file atomically. */
int home_config_set_gateways(const char *home, home_config_t *cfg, const char *const *urls,
                             size_t n, char *err, size_t errlen);
/* Sets the profile for this run (not saved). */
int home_config_set_profile(home_config_t *cfg, const char *profile, char *err, size_t errlen);
void home_config_clear(home_config_t *cfg);

#endif
