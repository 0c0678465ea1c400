/* Fuzz target: the link-code parser (dnasync_linkcode_join), which reads a code a user pastes.
 * The input is the code text; the passphrase is the one the corpus codes were made with, so a
 * mutation that keeps the checksum reaches the KDF and the GCM open. Invariants: success gives
 * an identity and writes <home>/identity; failure leaves no identity file and a one-line error;
 * a success is undone so the next input starts from an empty home. */
#define _POSIX_C_SOURCE 200809L
#include "dnasync/identity.h"
#include "fuzz.h"
#include "fuzz_home.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_PASSPHRASE "fuzz corpus passphrase"
#define MAX_CODE 4096
/* Codes expire (15 minutes): the corpus is made and joined at this one time (= make_corpus.c). */
#define FUZZ_LINKCODE_NOW_MS 1800000000000ull

static uint64_t fixed_now(void *user)
{
    (void)user;
    return FUZZ_LINKCODE_NOW_MS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_CODE)
        return 0;
    char code[MAX_CODE + 1];
    memcpy(code, data, size);
    code[size] = '\0';
    const char *home = fuzz_home();
    char path[300];
    snprintf(path, sizeof path, "%s/identity", home);
    char err[256] = "unset";
    dnasync_identity_t *id = NULL;
    const dnasync_env_t env = {fixed_now, dnasync_env_default()->random_bytes,
                               dnasync_env_default()->user};
    int rc = dnasync_linkcode_join(home, code, FUZZ_PASSPHRASE, &env, &id, err, sizeof err);
    int exists = access(path, F_OK) == 0;
    if (rc == 0) {
        fuzz_accepted++;
        FUZZ_ASSERT(id != NULL && exists);
        dnasync_identity_free(id);
        unlink(path);
    } else {
        FUZZ_ASSERT(id == NULL && !exists);
        FUZZ_ASSERT(err[0] != '\0' && strcmp(err, "unset") != 0 && !strchr(err, '\n'));
    }
    return 0;
}
