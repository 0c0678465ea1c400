#include "dnasync/sign.h"

#include "dnasync/status.h"

#include <openssl/evp.h>

int dnasync_sign_public(uint8_t pk[32], const uint8_t sk[32])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    size_t len = 32;
    int ok = key && EVP_PKEY_get_raw_public_key(key, pk, &len) == 1 && len == 32;
    EVP_PKEY_free(key);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
}

int dnasync_sign(uint8_t sig[64], const uint8_t sk[32], const uint8_t *msg, size_t len)
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = 64;
    int ok = key && md && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &siglen, msg, len) == 1 && siglen == 64;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok ? DNASYNC_OK : DNASYNC_ECRYPTO;
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
