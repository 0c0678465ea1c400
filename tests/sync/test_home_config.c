/* A home's config file holds at most HOME_CONFIG_MAX_GATEWAY gateways: a file (or a caller)
 * with more is refused with the limit named, and the list never grows past its array. Found by
 * libFuzzer (fuzz_config, 7M executions on b3fdc5c): every list was capped at the bootstrap
 * limit (32), so the 9th gateway was written past the 8-slot array. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dnasync/status.h"
#include "sync/home_config.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

/* Writes <dir>/config with n lines "KEY=http://127.0.0.1:<9000+i>/" (or host:port). */
static void write_config(const char *key, int n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/config", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; i < n; i++)
        fprintf(f,
                strcmp(key, "gateway") == 0 ? "gateway=http://127.0.0.1:%d/\n"
                                            : "bootstrap=127.0.0.1:%d\n",
                9000 + i);
    CHECK(fclose(f) == 0);
}

static void too_many_in_file(void)
{
    home_config_t cfg;
    char err[256] = "";
    write_config("gateway", HOME_CONFIG_MAX_GATEWAY);
    CHECK_EQ_INT(home_config_load(dir, &cfg, err, sizeof err), DNASYNC_OK);
    CHECK_EQ_INT((int)cfg.n_gateway, HOME_CONFIG_MAX_GATEWAY);
    home_config_clear(&cfg);
    write_config("gateway", HOME_CONFIG_MAX_GATEWAY + 1);
    CHECK(home_config_load(dir, &cfg, err, sizeof err) == DNASYNC_ETOOBIG);
    CHECK(strstr(err, "too many gateways (limit 8)") != NULL);
    CHECK(cfg.n_gateway <= HOME_CONFIG_MAX_GATEWAY);
    home_config_clear(&cfg);
    write_config("bootstrap", HOME_CONFIG_MAX_BOOTSTRAP + 1);
    CHECK(home_config_load(dir, &cfg, err, sizeof err) == DNASYNC_ETOOBIG);
    CHECK(strstr(err, "too many bootstrap nodes (limit 32)") != NULL);
    CHECK(cfg.n_bootstrap <= HOME_CONFIG_MAX_BOOTSTRAP);
    home_config_clear(&cfg);
}

/* Setting more gateways than fit is refused before anything changes, in memory or on disk. */
static void too_many_set(void)
{
    home_config_t cfg;
    char err[256] = "", urls[HOME_CONFIG_MAX_GATEWAY + 1][64];
    const char *list[HOME_CONFIG_MAX_GATEWAY + 1];
    for (int i = 0; i <= HOME_CONFIG_MAX_GATEWAY; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/", 8000 + i);
        list[i] = urls[i];
    }
    write_config("gateway", 2);
    CHECK_EQ_INT(home_config_load(dir, &cfg, err, sizeof err), DNASYNC_OK);
    CHECK(home_config_set_gateways(dir, &cfg, list, HOME_CONFIG_MAX_GATEWAY + 1, err, sizeof err) ==
          DNASYNC_ETOOBIG);
    CHECK(strstr(err, "too many gateways (limit 8)") != NULL);
    CHECK_EQ_INT((int)cfg.n_gateway, 2);
    CHECK_EQ_STR(cfg.gateway[0], "http://127.0.0.1:9000/");
    home_config_clear(&cfg);
    CHECK_EQ_INT(home_config_load(dir, &cfg, err, sizeof err), DNASYNC_OK);
    CHECK_EQ_INT((int)cfg.n_gateway, 2);
    CHECK_EQ_INT(
        home_config_set_gateways(dir, &cfg, list, HOME_CONFIG_MAX_GATEWAY, err, sizeof err),
        DNASYNC_OK);
    CHECK_EQ_INT((int)cfg.n_gateway, HOME_CONFIG_MAX_GATEWAY);
    home_config_clear(&cfg);
}

int main(void)
{
    dir = test_tmpdir("homeconfig");
    RUN(too_many_in_file);
    RUN(too_many_set);
    test_rmtree(dir);
    free(dir);
    return 0;
}
