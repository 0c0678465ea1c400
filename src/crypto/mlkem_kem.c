/* ML-KEM-512 (FIPS 203 §6 and §7): KeyGen_internal, Encaps_internal, Decaps and the
 * §7.2 / §7.3 input checks. */
#include "crypto/mlkem.h"

#include "crypto/mlkem_ct.h"
#include "crypto/mlkem_kpke.h"
#include "crypto/mlkem_poly.h"
#include "crypto/mlkem_symmetric.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <string.h>

/* dk = dkPKE || ek || H(ek) || z */
#define DK_EK_OFF MLKEM_DK_PKE_BYTES
#define DK_H_OFF (DK_EK_OFF + MLKEM_EK_BYTES)
#define DK_Z_OFF (DK_H_OFF + 32)

int mlkem512_check_ek(const uint8_t *ek, size_t len)
{
    if (!ek || len != MLKEM_EK_BYTES)
        return DNASYNC_EINVAL;
    /* ek is public, so an early exit is fine. Same as ByteEncode12(ByteDecode12(ek)) == ek. */
    for (unsigned i = 0; i < MLKEM_K; i++)
        if (!mlkem_poly_decode12_is_reduced(ek + i * MLKEM_POLY_BYTES))
            return DNASYNC_EINVAL;
    return DNASYNC_OK;
}

int mlkem512_check_dk(const uint8_t *dk, size_t len)
{
    uint8_t h[32];
    if (!dk || len != MLKEM_DK_BYTES)
        return DNASYNC_EINVAL;
    if (mlkem_hash_h(h, dk + DK_EK_OFF, MLKEM_EK_BYTES) != DNASYNC_OK)
        return DNASYNC_ECRYPTO;
    return CRYPTO_memcmp(h, dk + DK_H_OFF, 32) == 0 ? DNASYNC_OK : DNASYNC_EINVAL;
}

int mlkem512_keygen_internal(uint8_t ek[800], uint8_t dk[1632], const uint8_t d[32],
                             const uint8_t z[32])
{
    if (!ek || !dk || !d || !z)
        return DNASYNC_EINVAL;
    int rc = mlkem_kpke_keygen(ek, dk, d);
    if (rc == DNASYNC_OK) {
        memcpy(dk + DK_EK_OFF, ek, MLKEM_EK_BYTES);
        rc = mlkem_hash_h(dk + DK_H_OFF, ek, MLKEM_EK_BYTES);
        memcpy(dk + DK_Z_OFF, z, 32);
    }
    if (rc != DNASYNC_OK) {
        OPENSSL_cleanse(dk, MLKEM_DK_BYTES);
        memset(ek, 0, MLKEM_EK_BYTES);
    }
    return rc;
}

/* Encaps_internal on an ek that passed the §7.2 check. */
static int encaps(uint8_t c[768], uint8_t k[32], const uint8_t ek[800], const uint8_t m[32])
{
    uint8_t h[32], kr[64]; /* kr = K || r */
    int rc = mlkem_hash_h(h, ek, MLKEM_EK_BYTES);
    if (rc == DNASYNC_OK)
        rc = mlkem_hash_g(kr, m, 32, h, 32);
    if (rc == DNASYNC_OK)
        rc = mlkem_kpke_encrypt(c, ek, m, kr + 32);
    if (rc == DNASYNC_OK)
        memcpy(k, kr, 32);
    OPENSSL_cleanse(kr, sizeof kr);
    return rc;
}

int mlkem512_encaps_internal(uint8_t c[768], uint8_t k[32], const uint8_t *ek, size_t ek_len,
                             const uint8_t m[32])
{
    if (!c || !k || !m)
        return DNASYNC_EINVAL;
    int rc = mlkem512_check_ek(ek, ek_len);
    if (rc == DNASYNC_OK)
        rc = encaps(c, k, ek, m);
    if (rc != DNASYNC_OK) {
        OPENSSL_cleanse(k, 32);
        memset(c, 0, MLKEM_CT_BYTES);
    }
    return rc;
}

int mlkem512_decaps(uint8_t k[32], const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len)
{
    uint8_t m[32], kr[64], kbar[32], c2[MLKEM_CT_BYTES];
    if (!k)
        return DNASYNC_EINVAL;
    if (!c || c_len != MLKEM_CT_BYTES) {
        OPENSSL_cleanse(k, 32);
        return DNASYNC_EINVAL;
    }
    int rc = mlkem512_check_dk(dk, dk_len);
    if (rc == DNASYNC_OK)
        rc = mlkem_kpke_decrypt(m, dk, c);
    if (rc == DNASYNC_OK)
        rc = mlkem_hash_g(kr, m, 32, dk + DK_H_OFF, 32); /* (K', r') = G(m' || h) */
    if (rc == DNASYNC_OK)
        rc = mlkem_hash_j(kbar, dk + DK_Z_OFF, c, MLKEM_CT_BYTES); /* K_bar = J(z || c) */
    if (rc == DNASYNC_OK)
        rc = mlkem_kpke_encrypt(c2, dk + DK_EK_OFF, m, kr + 32);
    if (rc == DNASYNC_OK) {
        /* Implicit rejection without a branch: compare all 768 bytes, then select. */
        uint8_t differ = mlkem_ct_neq_mask(c, c2, MLKEM_CT_BYTES);
        mlkem_ct_cmov(kr, kbar, 32, differ);
        memcpy(k, kr, 32);
    } else {
        OPENSSL_cleanse(k, 32);
    }
    OPENSSL_cleanse(m, sizeof m);
    OPENSSL_cleanse(kr, sizeof kr);
    OPENSSL_cleanse(kbar, sizeof kbar);
    OPENSSL_cleanse(c2, sizeof c2);
    return rc;
}
