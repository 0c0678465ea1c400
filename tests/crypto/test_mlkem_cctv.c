/* ML-KEM-512 against the C2SP/CCTV files: modulus (gzip, every line must be rejected),
 * strcmp, unlucky sample (576 XOF bytes) and the ipd intermediate values that the final
 * standard shares (everything from rho/sigma on, and Encaps/Decaps given ek, dk, m). */
#include "test_mlkem_util.h"

#include "check.h"
#include "crypto/mlkem.h"
#include "crypto/mlkem_kpke.h"
#include "crypto/mlkem_poly.h"
#include "crypto/mlkem_sample.h"
#include "crypto/mlkem_symmetric.h"
#include "dnasync/status.h"

#include <zlib.h>

static int total;

static void load_kv(tu_kv *kv, const char *rel)
{
    if (tu_kv_load(kv, tu_vector_path(rel)) != 0) {
        fprintf(stderr, "cannot read %s\n", tu_vector_path(rel));
        exit(1);
    }
}

static void test_modulus(void)
{
    const char *rel = "cctv/ML-KEM-512-modulus.txt.gz";
    gzFile gz = gzopen(tu_vector_path(rel), "rb");
    CHECK(gz != NULL);
    char line[4096];
    int n = 0;
    while (n < 100000 && gzgets(gz, line, sizeof line)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (len == 0)
            continue;
        uint8_t ek[MLKEM512_EK_BYTES], m[32] = {0}, c[MLKEM512_CT_BYTES], k[32];
        tu_unhex_fixed(line, ek, sizeof ek);
        VCHECK(mlkem512_check_ek(ek, sizeof ek) == DNASYNC_EINVAL, rel, n + 1);
        VCHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_EINVAL, rel, n + 1);
        n++;
    }
    gzclose(gz);
    printf("%s: %d invalid encapsulation keys rejected\n", rel, n);
    CHECK_EQ_INT(n, 775);
    total += n;
}

static void test_strcmp(void)
{
    const char *rel = "cctv/ML-KEM-512-strcmp.txt";
    tu_kv kv;
    uint8_t dk[MLKEM512_DK_BYTES], c[MLKEM512_CT_BYTES], k[32];
    load_kv(&kv, rel);
    tu_unhex_fixed(tu_kv_get(&kv, "dk", 0), dk, sizeof dk);
    tu_unhex_fixed(tu_kv_get(&kv, "c", 0), c, sizeof c);
    VCHECK(mlkem512_check_dk(dk, sizeof dk) == DNASYNC_OK, rel, 1);
    VCHECK(mlkem512_decaps(k, dk, sizeof dk, c, sizeof c) == DNASYNC_OK, rel, 1);
    VCHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "K", 0)), rel, 1);
    tu_kv_free(&kv);
    printf("%s: 1 vector passed\n", rel);
    total++;
}

static void test_unlucky(void)
{
    const char *rel = "cctv/ML-KEM-512-unluckysample-FIPS203-final-PR13.txt";
    tu_kv kv;
    uint8_t d[32], z[32], m[32], ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES];
    uint8_t c[MLKEM512_CT_BYTES], k[32];
    mlkem_poly a;
    size_t used = 0;
    load_kv(&kv, rel);
    tu_unhex_fixed(tu_kv_get(&kv, "d", 0), d, 32);
    tu_unhex_fixed(tu_kv_get(&kv, "z", 0), z, 32);
    tu_unhex_fixed(tu_kv_get(&kv, "m", 0), m, 32);
    VCHECK(mlkem512_keygen_internal(ek, dk, d, z) == DNASYNC_OK, rel, 1);
    VCHECK(tu_eq_hex(ek, sizeof ek, tu_kv_get(&kv, "ek", 0)), rel, 1);
    VCHECK(tu_eq_hex(dk, sizeof dk, tu_kv_get(&kv, "dk", 0)), rel, 1);
    VCHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_OK, rel, 1);
    VCHECK(tu_eq_hex(c, sizeof c, tu_kv_get(&kv, "c", 0)), rel, 1);
    VCHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "K", 0)), rel, 1);
    VCHECK(mlkem512_decaps(k, dk, sizeof dk, c, sizeof c) == DNASYNC_OK, rel, 1);
    VCHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "K", 0)), rel, 1);
    /* A_hat[0,0] = SampleNTT(rho || 0 || 0) really needs more than 3 SHAKE128 blocks. */
    VCHECK(mlkem_sample_ntt(&a, ek + 768, 0, 0, &used) == DNASYNC_OK, rel, 1);
    printf("%s: SampleNTT(rho||0||0) consumed %zu XOF bytes\n", rel, used);
    VCHECK(used == 576, rel, 1);
    tu_kv_free(&kv);
    printf("%s: 1 vector passed (keygen, encaps, decaps)\n", rel);
    total++;
}

/* One counted intermediate-value check (the count is printed). */
#define ICHECK(cond)                                                                               \
    do {                                                                                           \
        checks++;                                                                                  \
        VCHECK(cond, rel, checks);                                                                 \
    } while (0)

static void test_intermediate(void)
{
    const char *rel = "cctv/ML-KEM-512-intermediate-FIPS203-ipd.txt";
    tu_kv kv;
    uint8_t rho[32], sigma[32], ek[MLKEM512_EK_BYTES], dkpke[768], dk[MLKEM512_DK_BYTES];
    uint8_t m[32], c[MLKEM512_CT_BYTES], k[32], kbar[32], buf[4 * 384];
    mlkem_polyvec a[2];
    int checks = 0;
    load_kv(&kv, rel);
    tu_unhex_fixed(tu_kv_get(&kv, "ρ", 0), rho, 32);
    tu_unhex_fixed(tu_kv_get(&kv, "σ", 0), sigma, 32);
    /* A_hat from rho: A[0,0], A and A^T as ByteEncode12 row by row. */
    CHECK(mlkem_gen_matrix(a, rho, 0) == DNASYNC_OK);
    /* "A[0, 0] = {decimals} = hex": the reader keeps the hex after the last " = " */
    mlkem_poly_encode(buf, &a[0].p[0], 12);
    ICHECK(tu_eq_hex(buf, 384, tu_kv_get(&kv, "A[0, 0]", 0)));
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            mlkem_poly_encode(buf + (2 * i + j) * 384, &a[i].p[j], 12);
    ICHECK(tu_eq_hex(buf, sizeof buf, tu_kv_get(&kv, "A", 0)));
    CHECK(mlkem_gen_matrix(a, rho, 1) == DNASYNC_OK);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            mlkem_poly_encode(buf + (2 * i + j) * 384, &a[i].p[j], 12);
    ICHECK(tu_eq_hex(buf, sizeof buf, tu_kv_get(&kv, "A^T", 0)));
    /* K-PKE.KeyGen from (rho, sigma): t_hat = ek, NTT(s) = dkPKE. */
    CHECK(mlkem_kpke_keygen_from_seeds(ek, dkpke, rho, sigma) == DNASYNC_OK);
    ICHECK(tu_eq_hex(ek, sizeof ek, tu_kv_get(&kv, "ek", 0)));
    ICHECK(tu_eq_hex(ek, 768, tu_kv_get(&kv, "t", 0)));
    ICHECK(tu_eq_hex(dkpke, sizeof dkpke, tu_kv_get(&kv, "dkPKE", 0)));
    CHECK(mlkem_hash_h(k, ek, sizeof ek) == DNASYNC_OK);
    ICHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "H(ek)", 0)));
    /* Encaps / Decaps given ek, dk, m (identical in ipd and final). */
    tu_unhex_fixed(tu_kv_get(&kv, "dk", 0), dk, sizeof dk);
    tu_unhex_fixed(tu_kv_get(&kv, "m", 0), m, 32);
    ICHECK(mlkem512_encaps_internal(c, k, ek, sizeof ek, m) == DNASYNC_OK);
    ICHECK(tu_eq_hex(c, 640, tu_kv_get(&kv, "c1", 0)));
    ICHECK(tu_eq_hex(c + 640, 128, tu_kv_get(&kv, "c2", 0)));
    ICHECK(tu_eq_hex(c, sizeof c, tu_kv_get(&kv, "c", 0)));
    ICHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "K", 0)));
    ICHECK(mlkem512_decaps(k, dk, sizeof dk, c, sizeof c) == DNASYNC_OK);
    ICHECK(tu_eq_hex(k, 32, tu_kv_get(&kv, "K", 0)));
    CHECK(mlkem_hash_j(kbar, dk + 1600, c, sizeof c) == DNASYNC_OK);
    ICHECK(tu_eq_hex(kbar, 32, tu_kv_get(&kv, "KBar", 0)));
    /* A corrupted ciphertext must give exactly K_bar = J(z || c'). */
    c[0] ^= 1;
    CHECK(mlkem_hash_j(kbar, dk + 1600, c, sizeof c) == DNASYNC_OK);
    ICHECK(mlkem512_decaps(k, dk, sizeof dk, c, sizeof c) == DNASYNC_OK);
    ICHECK(memcmp(k, kbar, 32) == 0);
    tu_kv_free(&kv);
    printf("%s: %d intermediate checks passed\n", rel, checks);
    total++;
}

int main(void)
{
    RUN(test_modulus);
    RUN(test_strcmp);
    RUN(test_unlucky);
    RUN(test_intermediate);
    printf("CCTV total: %d vectors passed\n", total);
    CHECK(total > 0);
    return 0;
}
