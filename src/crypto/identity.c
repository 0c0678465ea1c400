/* Identity key derivation from the master secret (docs/envelope.md, "Identity derivation"). */
#include "crypto/envelope.h"
#include "crypto/identity_int.h"
#include "crypto/mlkem.h"
#include "crypto/sign.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(DNASYNC_KEM_EK_BYTES == MLKEM512_EK_BYTES, "ek size");
_Static_assert(DNASYNC_KEM_DK_BYTES == MLKEM512_DK_BYTES, "dk size");

static const char id_salt[] = "dnasync-identity-v1";
static const char info_sign[] = "dnasync ed25519 signing seed";
static const char info_kem_d[] = "dnasync ml-kem-512 d";
static const char info_kem_z[] = "dnasync ml-kem-512 z";

static int derive(const uint8_t master[32], const char *info, size_t info_len, uint8_t out[32])
{
    return dnasync_hkdf_sha256(master, 32, (const uint8_t *)id_salt, sizeof id_salt - 1,
                               (const uint8_t *)info, info_len, out, 32);
}

int dnasync_identity_from_master(const char *name, const uint8_t master[DNASYNC_MASTER_BYTES],
                                 dnasync_identity_t **out)
{
    if (!out)
        return DNASYNC_EINVAL;
    *out = NULL;
    if (!name || !master || dnasync_id_name_ok(name, NULL, 0) != 0)
        return DNASYNC_EINVAL;
    dnasync_identity_t *id = calloc(1, sizeof *id);
    if (!id)
        return DNASYNC_ENOMEM;
    uint8_t d[32], z[32];
    int rc = DNASYNC_OK;
    memcpy(id->name, name, strlen(name) + 1);
    memcpy(id->master, master, DNASYNC_MASTER_BYTES);
    if (derive(master, info_sign, sizeof info_sign - 1, id->sign_sk) != 0 ||
        derive(master, info_kem_d, sizeof info_kem_d - 1, d) != 0 ||
        derive(master, info_kem_z, sizeof info_kem_z - 1, z) != 0 ||
        dnasync_sign_key_new(id->sign_sk, &id->sign_key) != 0 ||
        mlkem512_keygen_internal(id->kem_ek, id->kem_dk, d, z) != 0 ||
        dnasync_envelope_key_id(id->kem_ek, id->kem_key_id) != 0)
        rc = DNASYNC_ECRYPTO;
    OPENSSL_cleanse(d, sizeof d);
    OPENSSL_cleanse(z, sizeof z);
    if (rc != 0) {
        dnasync_identity_free(id);
        return rc;
    }
    memcpy(id->sign_pk, dnasync_sign_key_public(id->sign_key), sizeof id->sign_pk);
    *out = id;
    return DNASYNC_OK;
}

void dnasync_identity_free(dnasync_identity_t *id)
{
    if (!id)
        return;
    dnasync_sign_key_free(id->sign_key);
    OPENSSL_cleanse(id, sizeof *id);
    free(id);
}
