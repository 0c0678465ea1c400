/* Constant-time check for ML-KEM-512, run under valgrind memcheck (see CMakeLists.txt).
 * The secret inputs (d, z, m, the secret parts of dk) are marked undefined; memcheck then
 * reports every conditional jump and every memory address computed from them. The library
 * sources are compiled into this program with DNASYNC_MLKEM_CT_TEST, which only re-marks
 * as defined the one value FIPS 203 makes public although it comes from a secret: rho
 * (part of ek). Outputs are marked defined before they are compared. */
#include "check.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"

#include <valgrind/memcheck.h>

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

int main(void)
{
    uint8_t d[32], z[32], m[32], ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES];
    uint8_t c[MLKEM512_CT_BYTES], k[32], k2[32], kbad[32];
    int runs = 0;
    fprintf(stderr, "running on valgrind: %s\n", RUNNING_ON_VALGRIND ? "yes" : "NO");
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 32; i++) {
            d[i] = (uint8_t)(7 * i + round);
            z[i] = (uint8_t)(13 * i + 1 + round);
            m[i] = (uint8_t)(31 * i + 5 + round);
        }
        SECRET(d, sizeof d);
        SECRET(z, sizeof z);
        CHECK(mlkem512_keygen_internal(ek, dk, d, z) == DNASYNC_OK);
        PUBLIC(ek, sizeof ek);
        PUBLIC(dk, sizeof dk);

        SECRET(m, sizeof m);
        CHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_OK);
        PUBLIC(c, sizeof c);
        PUBLIC(k, sizeof k);

        /* dk = dkPKE (secret) || ek || H(ek) || z (secret) */
        SECRET(dk, 768);
        SECRET(dk + 1600, 32);
        CHECK(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c) == DNASYNC_OK);
        PUBLIC(k2, sizeof k2);
        CHECK(memcmp(k, k2, 32) == 0);

        /* implicit rejection path: a modified ciphertext */
        c[round * 100] ^= 0x10;
        CHECK(mlkem512_decaps(kbad, dk, sizeof dk, c, sizeof c) == DNASYNC_OK);
        PUBLIC(kbad, sizeof kbad);
        CHECK(memcmp(k, kbad, 32) != 0);
        PUBLIC(dk, sizeof dk);
        runs++;
    }
    printf("constant-time check: %d keygen/encaps/decaps/rejection rounds with secret inputs "
           "marked undefined\n",
           runs);
    CHECK(runs > 0);
    return 0;
}
