/* ML-KEM-512 against the NIST ACVP vectors (FIPS 203 final): keyGen, encapsulation,
 * decapsulation, decapsulationKeyCheck, encapsulationKeyCheck, for both vector sets
 * (ACVP-Server v1.1.0.40 and the 65370b8 internalProjection files). */
#include "json_min.h"
#include "test_mlkem_util.h"

#include "check.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"

static int total;

static json *load(const char *rel)
{
    json *j = json_parse_file(tu_vector_path(rel));
    if (!j) {
        fprintf(stderr, "cannot read or parse %s\n", tu_vector_path(rel));
        exit(1);
    }
    return j;
}

static int keygen_file(const char *rel)
{
    json *root = load(rel);
    const json *groups = json_get(root, "testGroups");
    int n = 0;
    for (size_t g = 0; g < (groups ? groups->len : 0); g++) {
        const json *tests = json_get(json_at(groups, g), "tests");
        for (size_t t = 0; t < (tests ? tests->len : 0); t++) {
            const json *tc = json_at(tests, t);
            long id = (long)json_get_num(tc, "tcId", -1);
            uint8_t d[32], z[32], ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES];
            tu_unhex_fixed(json_get_str(tc, "d"), d, 32);
            tu_unhex_fixed(json_get_str(tc, "z"), z, 32);
            VCHECK(mlkem512_keygen_internal(ek, dk, d, z) == DNASYNC_OK, rel, id);
            VCHECK(tu_eq_hex(ek, sizeof ek, json_get_str(tc, "ek")), rel, id);
            VCHECK(tu_eq_hex(dk, sizeof dk, json_get_str(tc, "dk")), rel, id);
            VCHECK(mlkem512_check_ek(ek, sizeof ek) == DNASYNC_OK, rel, id);
            VCHECK(mlkem512_check_dk(dk, sizeof dk) == DNASYNC_OK, rel, id);
            n++;
        }
    }
    json_free(root);
    printf("%s: %d keyGen vectors passed\n", rel, n);
    CHECK(n > 0);
    total += n;
    return n;
}

static void check_decaps(const char *rel, long id, const char *dkhex, const char *chex,
                         const char *khex)
{
    size_t dklen, clen;
    uint8_t *dk = tu_unhex(dkhex, &dklen), *c = tu_unhex(chex, &clen), k[32];
    VCHECK(mlkem512_decaps(k, dk, dklen, c, clen) == DNASYNC_OK, rel, id);
    VCHECK(tu_eq_hex(k, 32, khex), rel, id);
    free(dk);
    free(c);
}

static void encapdecap_file(const char *rel, int expect_enc, int expect_dec, int expect_dkc,
                            int expect_ekc)
{
    json *root = load(rel);
    const json *groups = json_get(root, "testGroups");
    int enc = 0, dec = 0, dkc = 0, ekc = 0;
    for (size_t g = 0; g < (groups ? groups->len : 0); g++) {
        const json *grp = json_at(groups, g);
        const char *fn = json_get_str(grp, "function");
        const json *tests = json_get(grp, "tests");
        CHECK(fn != NULL);
        for (size_t t = 0; t < (tests ? tests->len : 0); t++) {
            const json *tc = json_at(tests, t);
            long id = (long)json_get_num(tc, "tcId", -1);
            if (strcmp(fn, "encapsulation") == 0) {
                size_t eklen;
                uint8_t *ek = tu_unhex(json_get_str(tc, "ek"), &eklen);
                uint8_t m[32], c[MLKEM512_CT_BYTES], k[32];
                tu_unhex_fixed(json_get_str(tc, "m"), m, 32);
                VCHECK(mlkem512_encaps_internal(c, k, ek, eklen, m) == DNASYNC_OK, rel, id);
                VCHECK(tu_eq_hex(c, sizeof c, json_get_str(tc, "c")), rel, id);
                VCHECK(tu_eq_hex(k, 32, json_get_str(tc, "k")), rel, id);
                if (json_get_str(tc, "dk")) /* internalProjection: round trip too */
                    check_decaps(rel, id, json_get_str(tc, "dk"), json_get_str(tc, "c"),
                                 json_get_str(tc, "k"));
                free(ek);
                enc++;
            } else if (strcmp(fn, "decapsulation") == 0) {
                const char *dkhex = json_get_str(tc, "dk");
                if (!dkhex)
                    dkhex = json_get_str(grp, "dk"); /* 65370b8: dk at group level */
                check_decaps(rel, id, dkhex, json_get_str(tc, "c"), json_get_str(tc, "k"));
                dec++;
            } else if (strcmp(fn, "decapsulationKeyCheck") == 0) {
                size_t dklen;
                uint8_t *dk = tu_unhex(json_get_str(tc, "dk"), &dklen);
                int pass = json_get_bool(tc, "testPassed");
                VCHECK(pass >= 0, rel, id);
                VCHECK((mlkem512_check_dk(dk, dklen) == DNASYNC_OK) == pass, rel, id);
                if (!pass) { /* Decaps must refuse the key as well */
                    uint8_t c[MLKEM512_CT_BYTES] = {0}, k[32];
                    VCHECK(mlkem512_decaps(k, dk, dklen, c, sizeof c) == DNASYNC_EINVAL, rel, id);
                }
                free(dk);
                dkc++;
            } else if (strcmp(fn, "encapsulationKeyCheck") == 0) {
                size_t eklen;
                uint8_t *ek = tu_unhex(json_get_str(tc, "ek"), &eklen);
                int pass = json_get_bool(tc, "testPassed");
                uint8_t m[32] = {0}, c[MLKEM512_CT_BYTES], k[32];
                VCHECK(pass >= 0, rel, id);
                VCHECK((mlkem512_check_ek(ek, eklen) == DNASYNC_OK) == pass, rel, id);
                VCHECK(mlkem512_encaps_internal(c, k, ek, eklen, m) ==
                           (pass ? DNASYNC_OK : DNASYNC_EINVAL),
                       rel, id);
                free(ek);
                ekc++;
            } else {
                fprintf(stderr, "%s: unknown function %s\n", rel, fn);
                exit(1);
            }
        }
    }
    json_free(root);
    printf("%s: encapsulation %d, decapsulation %d, decapsulationKeyCheck %d, "
           "encapsulationKeyCheck %d vectors passed\n",
           rel, enc, dec, dkc, ekc);
    CHECK_EQ_INT(enc, expect_enc);
    CHECK_EQ_INT(dec, expect_dec);
    CHECK_EQ_INT(dkc, expect_dkc);
    CHECK_EQ_INT(ekc, expect_ekc);
    total += enc + dec + dkc + ekc;
}

static void test_acvp_v1_1_0_40(void)
{
    CHECK_EQ_INT(keygen_file("acvp/ML-KEM-512-keyGen-acvp-v1.1.0.40.json"), 25);
    encapdecap_file("acvp/ML-KEM-512-encapDecap-acvp-v1.1.0.40.json", 25, 10, 10, 10);
}

static void test_acvp_65370b8(void)
{
    CHECK_EQ_INT(keygen_file("acvp/ML-KEM-512-keyGen-internalProjection-acvp-65370b8.json"), 25);
    encapdecap_file("acvp/ML-KEM-512-encapDecap-internalProjection-acvp-65370b8.json", 25, 10, 0,
                    0);
}

int main(void)
{
    RUN(test_acvp_v1_1_0_40);
    RUN(test_acvp_65370b8);
    printf("ACVP total: %d vectors passed\n", total);
    CHECK(total > 0);
    return 0;
}
