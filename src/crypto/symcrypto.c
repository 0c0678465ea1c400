#include "crypto/symcrypto.h"

#include "dnasync/status.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

static int digest(const char *name, const uint8_t *in, size_t len, uint8_t out[32])
{
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    unsigned int outlen = 0;
    int ok = md && EVP_Digest(in, len, out, &outlen, md, NULL) == 1 && outlen == 32;
    EVP_MD_free(md);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
    return digest("SHA256", in, len, out);
}

int dnasync_sha3_256(const uint8_t *in, size_t len, uint8_t out[32])
{
    return digest("SHA3-256", in, len, out);
}

int dnasync_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                        const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    static const uint8_t empty[1] = {0};
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    /* An absent salt is HKDF's default (HashLen zero bytes); an empty one is the same. */
    if (salt_len > 0)
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, (void *)(info_len > 0 ? info : empty), info_len);
    params[n] = OSSL_PARAM_construct_end();
    int ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    if (!ok)
        OPENSSL_cleanse(out, out_len);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

/* EVP_*Update take int lengths; dnasync's inputs are bounded far below INT_MAX, but feed them
 * in chunks anyway so no cast can truncate. */
#define GCM_CHUNK (1 << 20)

static int gcm_aad_part(EVP_CIPHER_CTX *c, int enc, const uint8_t *aad, size_t aad_len)
{
    int outl = 0;
    while (aad_len > 0) {
        int n = aad_len > GCM_CHUNK ? GCM_CHUNK : (int)aad_len;
        if ((enc ? EVP_EncryptUpdate(c, NULL, &outl, aad, n)
                 : EVP_DecryptUpdate(c, NULL, &outl, aad, n)) != 1)
            return 0;
        aad += n;
        aad_len -= (size_t)n;
    }
    return 1;
}

static int gcm_aad(EVP_CIPHER_CTX *c, int enc, const dnasync_aad_t *aad)
{
    if (!aad)
        return 1;
    return (!aad->p1 || gcm_aad_part(c, enc, aad->p1, aad->n1)) &&
           (!aad->p2 || gcm_aad_part(c, enc, aad->p2, aad->n2));
}

static int gcm_data(EVP_CIPHER_CTX *c, int enc, const uint8_t *in, size_t len, uint8_t *out)
{
    int outl = 0;
    while (len > 0) {
        int n = len > GCM_CHUNK ? GCM_CHUNK : (int)len;
        if ((enc ? EVP_EncryptUpdate(c, out, &outl, in, n)
                 : EVP_DecryptUpdate(c, out, &outl, in, n)) != 1 ||
            outl != n)
            return 0;
        in += n;
        out += n;
        len -= (size_t)n;
    }
    return 1;
}

int dnasync_gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const dnasync_aad_t *aad,
                     const uint8_t *pt, size_t pt_len, uint8_t *ct, uint8_t tag[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t fin[16];
    int finl = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
             EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 && gcm_aad(c, 1, aad) &&
             gcm_data(c, 1, pt, pt_len, ct) && EVP_EncryptFinal_ex(c, fin, &finl) == 1 &&
             finl == 0 && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_gcm_open(const uint8_t key[32], const uint8_t nonce[12], const dnasync_aad_t *aad,
                     const uint8_t *ct, size_t ct_len, const uint8_t tag[16], uint8_t *pt)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t fin[16];
    uint8_t tagcopy[16];
    int finl = 0;
    for (size_t i = 0; i < 16; i++)
        tagcopy[i] = tag[i];
    int ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
             EVP_DecryptInit_ex(c, NULL, NULL, key, nonce) == 1 && gcm_aad(c, 0, aad) &&
             gcm_data(c, 0, ct, ct_len, pt) &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tagcopy) == 1 &&
             EVP_DecryptFinal_ex(c, fin, &finl) == 1 && finl == 0;
    EVP_CIPHER_CTX_free(c);
    if (!ok && pt && ct_len > 0)
        OPENSSL_cleanse(pt, ct_len);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_ct_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
