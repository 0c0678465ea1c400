#include "crypto/sign.h"

#include "dnasync/status.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>

struct dnasync_sign_key {
    EVP_PKEY *key;
    uint8_t pk[32];
};

int dnasync_sign_public(uint8_t pk[32], const uint8_t sk[32])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    size_t len = 32;
    int ok = key && EVP_PKEY_get_raw_public_key(key, pk, &len) == 1 && len == 32;
    EVP_PKEY_free(key);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_sign_key_new(const uint8_t sk[32], dnasync_sign_key_t **out)
{
    if (!out)
        return DNASYNC_EINVAL;
    *out = NULL;
    if (!sk)
        return DNASYNC_EINVAL;
    dnasync_sign_key_t *k = calloc(1, sizeof *k);
    if (!k)
        return DNASYNC_ENOMEM;
    k->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    size_t len = sizeof k->pk;
    if (!k->key || EVP_PKEY_get_raw_public_key(k->key, k->pk, &len) != 1 || len != 32) {
        dnasync_sign_key_free(k);
        return DNASYNC_ECRYPTO;
    }
    *out = k;
    return DNASYNC_OK;
}

const uint8_t *dnasync_sign_key_public(const dnasync_sign_key_t *key)
{
    return key ? key->pk : NULL;
}

int dnasync_sign_with(const dnasync_sign_key_t *key, uint8_t sig[64], const uint8_t *msg,
                      size_t len)
{
    if (!key || !sig || (!msg && len))
        return DNASYNC_ECRYPTO;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = 64;
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, key->key) == 1 &&
             EVP_DigestSign(md, sig, &siglen, msg, len) == 1 && siglen == 64;
    EVP_MD_CTX_free(md);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

void dnasync_sign_key_free(dnasync_sign_key_t *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->key); /* OpenSSL wipes the private key it holds */
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

int dnasync_sign(uint8_t sig[64], const uint8_t sk[32], const uint8_t *msg, size_t len)
{
    dnasync_sign_key_t *key = NULL;
    int rc = dnasync_sign_key_new(sk, &key);
    if (rc == DNASYNC_OK)
        rc = dnasync_sign_with(key, sig, msg, len);
    dnasync_sign_key_free(key);
    return rc == DNASYNC_OK ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = key && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(md, sig, 64, msg, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok ? DNASYNC_OK : DNASYNC_EAUTH;
}
