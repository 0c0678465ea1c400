/* The FIPS 203 hash functions H, G, J, PRF and XOF over OpenSSL EVP. */
#include "crypto/mlkem_symmetric.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* One-shot digest of in1 || in2. outlen is used for the XOFs (SHAKE), ignored otherwise. */
static int digest2(const EVP_MD *md, int xof, const uint8_t *in1, size_t len1, const uint8_t *in2,
                   size_t len2, uint8_t *out, size_t outlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return DNASYNC_ENOMEM;
    int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, in1, len1) == 1 &&
             (len2 == 0 || EVP_DigestUpdate(ctx, in2, len2) == 1);
    if (ok) {
        if (xof) {
            ok = EVP_DigestFinalXOF(ctx, out, outlen) == 1;
        } else {
            unsigned int n = 0;
            ok = EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == outlen;
        }
    }
    EVP_MD_CTX_free(ctx); /* cleanses the Keccak state */
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int mlkem_hash_h(uint8_t out[32], const uint8_t *in, size_t len)
{
    return digest2(EVP_sha3_256(), 0, in, len, NULL, 0, out, 32);
}

int mlkem_hash_g(uint8_t out[64], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return digest2(EVP_sha3_512(), 0, a, alen, b, blen, out, 64);
}

int mlkem_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t clen)
{
    return digest2(EVP_shake256(), 1, z, 32, c, clen, out, 32);
}

int mlkem_prf(uint8_t *out, size_t outlen, const uint8_t s[32], uint8_t n)
{
    return digest2(EVP_shake256(), 1, s, 32, &n, 1, out, outlen);
}

int mlkem_xof_init(mlkem_xof *x, const uint8_t *in, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    x->ctx = NULL;
    if (!ctx)
        return DNASYNC_ENOMEM;
    if (EVP_DigestInit_ex(ctx, EVP_shake128(), NULL) != 1 || EVP_DigestUpdate(ctx, in, len) != 1) {
        EVP_MD_CTX_free(ctx);
        return DNASYNC_ECRYPTO;
    }
    x->ctx = ctx;
    return DNASYNC_OK;
}

int mlkem_xof_squeeze(mlkem_xof *x, uint8_t *out, size_t outlen)
{
    EVP_MD_CTX *tmp = EVP_MD_CTX_new();
    if (!tmp)
        return DNASYNC_ENOMEM;
    int ok = EVP_MD_CTX_copy_ex(tmp, (EVP_MD_CTX *)x->ctx) == 1 &&
             EVP_DigestFinalXOF(tmp, out, outlen) == 1;
    EVP_MD_CTX_free(tmp);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

void mlkem_xof_free(mlkem_xof *x)
{
    EVP_MD_CTX_free((EVP_MD_CTX *)x->ctx);
    x->ctx = NULL;
}
