/* K-PKE (FIPS 203 §5): key generation, encryption and decryption over the NTT domain. */
#include "crypto/mlkem_kpke.h"

#include "crypto/mlkem_ct.h"
#include "crypto/mlkem_ntt.h"
#include "crypto/mlkem_poly.h"
#include "crypto/mlkem_sample.h"
#include "crypto/mlkem_symmetric.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <string.h>

int mlkem_kpke_keygen(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk[MLKEM_DK_PKE_BYTES],
                      const uint8_t d[32])
{
    uint8_t rs[64]; /* rho || sigma */
    const uint8_t kbyte = MLKEM_K;
    int rc = mlkem_hash_g(rs, d, 32, &kbyte, 1);
    if (rc == DNASYNC_OK) {
        MLKEM_DECLASSIFY(rs, 32); /* rho becomes part of the public ek */
        rc = mlkem_kpke_keygen_from_seeds(ek, dk, rs, rs + 32);
    }
    OPENSSL_cleanse(rs, sizeof rs);
    return rc;
}

int mlkem_kpke_keygen_from_seeds(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk[MLKEM_DK_PKE_BYTES],
                                 const uint8_t rho[32], const uint8_t sigma[32])
{
    mlkem_polyvec a[MLKEM_K], s, e, t;
    uint8_t n = 0;
    int rc = mlkem_gen_matrix(a, rho, 0);
    for (unsigned i = 0; i < MLKEM_K && rc == DNASYNC_OK; i++)
        rc = mlkem_sample_cbd(&s.p[i], sigma, n++, MLKEM_ETA1);
    for (unsigned i = 0; i < MLKEM_K && rc == DNASYNC_OK; i++)
        rc = mlkem_sample_cbd(&e.p[i], sigma, n++, MLKEM_ETA1);
    if (rc == DNASYNC_OK) {
        for (unsigned i = 0; i < MLKEM_K; i++) {
            mlkem_ntt(&s.p[i]);
            mlkem_ntt(&e.p[i]);
        }
        for (unsigned i = 0; i < MLKEM_K; i++) {
            mlkem_basemul_acc(&t.p[i], &a[i], &s); /* (A_hat o s_hat)[i] */
            mlkem_poly_add(&t.p[i], &t.p[i], &e.p[i]);
            mlkem_poly_encode(ek + i * MLKEM_POLY_BYTES, &t.p[i], 12);
            mlkem_poly_encode(dk + i * MLKEM_POLY_BYTES, &s.p[i], 12);
        }
        memcpy(ek + MLKEM_POLYVEC_BYTES, rho, 32);
    }
    OPENSSL_cleanse(&s, sizeof s);
    OPENSSL_cleanse(&e, sizeof e);
    OPENSSL_cleanse(&t, sizeof t);
    return rc;
}

int mlkem_kpke_encrypt(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES],
                       const uint8_t m[32], const uint8_t r[32])
{
    mlkem_polyvec at[MLKEM_K], that, y, e1, u;
    mlkem_poly e2, v, mu;
    uint8_t n = 0;
    int rc = mlkem_gen_matrix(at, ek + MLKEM_POLYVEC_BYTES, 1);
    for (unsigned i = 0; i < MLKEM_K && rc == DNASYNC_OK; i++)
        rc = mlkem_sample_cbd(&y.p[i], r, n++, MLKEM_ETA1);
    for (unsigned i = 0; i < MLKEM_K && rc == DNASYNC_OK; i++)
        rc = mlkem_sample_cbd(&e1.p[i], r, n++, MLKEM_ETA2);
    if (rc == DNASYNC_OK)
        rc = mlkem_sample_cbd(&e2, r, n, MLKEM_ETA2);
    if (rc == DNASYNC_OK) {
        for (unsigned i = 0; i < MLKEM_K; i++) {
            mlkem_poly_decode(&that.p[i], ek + i * MLKEM_POLY_BYTES, 12);
            mlkem_ntt(&y.p[i]);
        }
        for (unsigned i = 0; i < MLKEM_K; i++) {
            mlkem_basemul_acc(&u.p[i], &at[i], &y); /* (A_hat^T o y_hat)[i] */
            mlkem_invntt(&u.p[i]);
            mlkem_poly_add(&u.p[i], &u.p[i], &e1.p[i]);
            mlkem_poly_compress(c + i * 32 * MLKEM_DU, &u.p[i], MLKEM_DU);
        }
        mlkem_basemul_acc(&v, &that, &y);
        mlkem_invntt(&v);
        mlkem_poly_from_msg(&mu, m);
        mlkem_poly_add(&v, &v, &e2);
        mlkem_poly_add(&v, &v, &mu);
        mlkem_poly_compress(c + MLKEM_C1_BYTES, &v, MLKEM_DV);
    }
    OPENSSL_cleanse(&y, sizeof y);
    OPENSSL_cleanse(&e1, sizeof e1);
    OPENSSL_cleanse(&u, sizeof u);
    OPENSSL_cleanse(&e2, sizeof e2);
    OPENSSL_cleanse(&v, sizeof v);
    OPENSSL_cleanse(&mu, sizeof mu);
    return rc;
}

int mlkem_kpke_decrypt(uint8_t m[32], const uint8_t dk[MLKEM_DK_PKE_BYTES],
                       const uint8_t c[MLKEM_CT_BYTES])
{
    mlkem_polyvec u, s;
    mlkem_poly v, w;
    for (unsigned i = 0; i < MLKEM_K; i++) {
        mlkem_poly_decompress(&u.p[i], c + i * 32 * MLKEM_DU, MLKEM_DU);
        mlkem_ntt(&u.p[i]);
        mlkem_poly_decode(&s.p[i], dk + i * MLKEM_POLY_BYTES, 12);
    }
    mlkem_poly_decompress(&v, c + MLKEM_C1_BYTES, MLKEM_DV);
    mlkem_basemul_acc(&w, &s, &u);
    mlkem_invntt(&w);
    mlkem_poly_sub(&w, &v, &w);
    mlkem_poly_to_msg(m, &w);
    OPENSSL_cleanse(&s, sizeof s);
    OPENSSL_cleanse(&w, sizeof w);
    OPENSSL_cleanse(&u, sizeof u);
    OPENSSL_cleanse(&v, sizeof v);
    return DNASYNC_OK;
}
