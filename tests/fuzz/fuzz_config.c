/* Fuzz target: the home config parser (home_config_load, <home>/config). The input is the file.
 * Invariants: success gives the profile "desktop" or "mobile" and at most
 * HOME_CONFIG_MAX_BOOTSTRAP distinct HOST:PORT entries; failure clears the struct and names the
 * problem in one line. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"
#include "fuzz_home.h"
#include "sync/home_config.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[300];
    snprintf(path, sizeof path, "%s/config", fuzz_home());
    FILE *f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(fwrite(data, 1, size, f) == size);
    FUZZ_ASSERT(fclose(f) == 0);
    home_config_t cfg;
    char err[512] = "";
    int rc = home_config_load(fuzz_home(), &cfg, err, sizeof err);
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(strcmp(cfg.profile, "desktop") == 0 || strcmp(cfg.profile, "mobile") == 0);
        FUZZ_ASSERT(cfg.n_bootstrap <= HOME_CONFIG_MAX_BOOTSTRAP);
        for (size_t i = 0; i < cfg.n_bootstrap; i++) {
            FUZZ_ASSERT(strchr(cfg.bootstrap[i], ':') != NULL);
            for (size_t j = 0; j < i; j++)
                FUZZ_ASSERT(strcmp(cfg.bootstrap[i], cfg.bootstrap[j]) != 0);
        }
    } else {
        FUZZ_ASSERT(cfg.n_bootstrap == 0);
        FUZZ_ASSERT(err[0] != '\0' && !strchr(err, '\n'));
    }
    home_config_clear(&cfg);
    return 0;
}
