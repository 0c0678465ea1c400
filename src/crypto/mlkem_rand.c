/* ML-KEM-512 randomized KeyGen and Encaps (FIPS 203 Alg. 19, 20); the randomness comes
 * from the dnasync environment. */
#include "crypto/mlkem.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <string.h>

int mlkem512_keygen(uint8_t ek[800], uint8_t dk[1632], const dnasync_env_t *env)
{
    uint8_t dz[64];
    int rc;
    if (!ek || !dk)
        return DNASYNC_EINVAL;
    if (dnasync_env_random(env, dz, sizeof dz) != 0) {
        memset(ek, 0, MLKEM512_EK_BYTES);
        memset(dk, 0, MLKEM512_DK_BYTES);
        rc = DNASYNC_ERR;
    } else {
        rc = mlkem512_keygen_internal(ek, dk, dz, dz + 32);
    }
    OPENSSL_cleanse(dz, sizeof dz);
    return rc;
}

int mlkem512_encaps(uint8_t c[768], uint8_t k[32], const uint8_t *ek, size_t ek_len,
                    const dnasync_env_t *env)
{
    uint8_t m[32];
    int rc;
    if (!c || !k)
        return DNASYNC_EINVAL;
    if (dnasync_env_random(env, m, sizeof m) != 0) {
        memset(c, 0, MLKEM512_CT_BYTES);
        memset(k, 0, MLKEM512_SS_BYTES);
        rc = DNASYNC_ERR;
    } else {
        rc = mlkem512_encaps_internal(c, k, ek, ek_len, m);
    }
    OPENSSL_cleanse(m, sizeof m);
    return rc;
}
