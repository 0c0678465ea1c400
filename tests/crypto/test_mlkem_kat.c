/* ML-KEM-512 against the NIST-format KAT (pq-crystals-kat/ML-KEM-512_PQCkemKAT_1632.rsp).
 * The NIST AES-256 CTR_DRBG (SP 800-90A, no derivation function, as in NIST rng.c) is
 * re-implemented here over OpenSSL AES-256-ECB to replay each record. */
#include "test_mlkem_util.h"

#include "check.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"

#include <openssl/evp.h>

typedef struct drbg {
    uint8_t key[32], v[16];
} drbg;

static void aes256_ecb(const uint8_t key[32], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    CHECK(ctx != NULL);
    CHECK(EVP_EncryptInit_ex(ctx, EVP_aes_256_ecb(), NULL, key, NULL) == 1);
    CHECK(EVP_CIPHER_CTX_set_padding(ctx, 0) == 1);
    CHECK(EVP_EncryptUpdate(ctx, out, &len, in, 16) == 1 && len == 16);
    EVP_CIPHER_CTX_free(ctx);
}

/* V++ as a 128-bit big-endian counter. */
static void v_inc(uint8_t v[16])
{
    for (int i = 15; i >= 0; i--)
        if (++v[i] != 0)
            break;
}

static void drbg_update(drbg *d, const uint8_t *pd /* 48 bytes or NULL */)
{
    uint8_t temp[48];
    for (int i = 0; i < 3; i++) {
        v_inc(d->v);
        aes256_ecb(d->key, d->v, temp + 16 * i);
    }
    if (pd)
        for (int i = 0; i < 48; i++)
            temp[i] ^= pd[i];
    memcpy(d->key, temp, 32);
    memcpy(d->v, temp + 32, 16);
}

static void drbg_init(drbg *d, const uint8_t entropy[48])
{
    memset(d, 0, sizeof *d);
    drbg_update(d, entropy);
}

static void drbg_bytes(drbg *d, uint8_t *out, size_t n)
{
    uint8_t block[16];
    while (n > 0) {
        v_inc(d->v);
        aes256_ecb(d->key, d->v, block);
        size_t take = n < 16 ? n : 16;
        memcpy(out, block, take);
        out += take;
        n -= take;
    }
    drbg_update(d, NULL);
}

static void test_kat(void)
{
    const char *rel = "pq-crystals-kat/ML-KEM-512_PQCkemKAT_1632.rsp";
    tu_kv kv;
    drbg master, rec;
    uint8_t entropy[48], seed[48], dz[64], m[32];
    uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], c[MLKEM512_CT_BYTES], k[32], k2[32];
    int n = 0;
    if (tu_kv_load(&kv, tu_vector_path(rel)) != 0) {
        fprintf(stderr, "cannot read %s\n", tu_vector_path(rel));
        exit(1);
    }
    /* PQCgenKAT: the record seeds are successive 48-byte outputs of a DRBG seeded 0..47. */
    for (int i = 0; i < 48; i++)
        entropy[i] = (uint8_t)i;
    drbg_init(&master, entropy);
    for (n = 0; n < 1000 && tu_kv_get(&kv, "count", n); n++) {
        VCHECK(atoi(tu_kv_get(&kv, "count", n)) == n, rel, n);
        tu_unhex_fixed(tu_kv_get(&kv, "seed", n), seed, 48);
        drbg_bytes(&master, entropy, 48);
        VCHECK(memcmp(entropy, seed, 48) == 0, rel, n);
        drbg_init(&rec, seed);
        drbg_bytes(&rec, dz, 64); /* KeyGen: d || z in one call */
        VCHECK(mlkem512_keygen_internal(ek, dk, dz, dz + 32) == DNASYNC_OK, rel, n);
        VCHECK(tu_eq_hex(ek, sizeof ek, tu_kv_get(&kv, "pk", n)), rel, n);
        VCHECK(tu_eq_hex(dk, sizeof dk, tu_kv_get(&kv, "sk", n)), rel, n);
        drbg_bytes(&rec, m, 32); /* Encaps: m */
        VCHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_OK, rel, n);
        VCHECK(tu_eq_hex(c, sizeof c, tu_kv_get(&kv, "ct", n)), rel, n);
        VCHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "ss", n)), rel, n);
        VCHECK(mlkem512_decaps(k2, dk, sizeof dk, c, sizeof c) == DNASYNC_OK, rel, n);
        VCHECK(memcmp(k, k2, 32) == 0, rel, n);
    }
    tu_kv_free(&kv);
    printf("%s: %d KAT records passed\n", rel, n);
    CHECK_EQ_INT(n, 100);
}

int main(void)
{
    RUN(test_kat);
    return 0;
}
