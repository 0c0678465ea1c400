/* ML-KEM-512 against the C2SP/wycheproof vectors (all four mlkem_512_* files, valid and
 * invalid). "invalid" means the operation must be rejected with an error. */
#include "json_min.h"
#include "test_mlkem_util.h"

#include "check.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"

static int total;

typedef void (*vector_fn)(const char *rel, long id, const json *tc, int valid);

/* Runs fn on every test of a wycheproof file; checks and prints the counts. */
static void run_file(const char *rel, vector_fn fn, int expect_valid, int expect_invalid)
{
    json *root = json_parse_file(tu_vector_path(rel));
    if (!root) {
        fprintf(stderr, "cannot read or parse %s\n", tu_vector_path(rel));
        exit(1);
    }
    const json *groups = json_get(root, "testGroups");
    int valid = 0, invalid = 0;
    for (size_t g = 0; g < (groups ? groups->len : 0); g++) {
        const json *tests = json_get(json_at(groups, g), "tests");
        for (size_t t = 0; t < (tests ? tests->len : 0); t++) {
            const json *tc = json_at(tests, t);
            long id = (long)json_get_num(tc, "tcId", -1);
            const char *result = json_get_str(tc, "result");
            VCHECK(result != NULL, rel, id);
            int is_valid = strcmp(result, "valid") == 0;
            VCHECK(is_valid || strcmp(result, "invalid") == 0, rel, id);
            fn(rel, id, tc, is_valid);
            if (is_valid)
                valid++;
            else
                invalid++;
        }
    }
    CHECK_EQ_INT((long)json_get_num(root, "numberOfTests", -1), valid + invalid);
    json_free(root);
    printf("%s: %d valid and %d invalid vectors passed\n", rel, valid, invalid);
    CHECK_EQ_INT(valid, expect_valid);
    CHECK_EQ_INT(invalid, expect_invalid);
    total += valid + invalid;
}

static void keygen_vector(const char *rel, long id, const json *tc, int valid)
{
    uint8_t seed[64], ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES];
    VCHECK(valid, rel, id);
    tu_unhex_fixed(json_get_str(tc, "seed"), seed, 64);
    VCHECK(mlkem512_keygen_internal(ek, dk, seed, seed + 32) == DNASYNC_OK, rel, id);
    VCHECK(tu_eq_hex(ek, sizeof ek, json_get_str(tc, "ek")), rel, id);
    VCHECK(tu_eq_hex(dk, sizeof dk, json_get_str(tc, "dk")), rel, id);
}

/* MLKEMTest: (ek, dk) = KeyGen(seed), K = Decaps(dk, c). Our keygen takes d and z as two
 * fixed 32-byte arrays, so a seed that is not 64 bytes cannot reach it: the length check
 * here is the rejection (and it must be the reason the vector is invalid). */
static void decaps_vector(const char *rel, long id, const json *tc, int valid)
{
    size_t seedlen, clen;
    uint8_t *seed = tu_unhex(json_get_str(tc, "seed"), &seedlen);
    uint8_t *c = tu_unhex(json_get_str(tc, "c"), &clen);
    uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], k[32];
    if (seedlen != 64) {
        VCHECK(!valid, rel, id);
    } else {
        VCHECK(mlkem512_keygen_internal(ek, dk, seed, seed + 32) == DNASYNC_OK, rel, id);
        VCHECK(tu_eq_hex(ek, sizeof ek, json_get_str(tc, "ek")), rel, id);
        int rc = mlkem512_decaps(k, dk, sizeof dk, c, clen);
        if (valid) {
            VCHECK(rc == DNASYNC_OK, rel, id);
            VCHECK(tu_eq_hex(k, 32, json_get_str(tc, "K")), rel, id);
        } else {
            VCHECK(rc == DNASYNC_EINVAL, rel, id);
            VCHECK(clen != MLKEM512_CT_BYTES, rel, id);
        }
    }
    free(seed);
    free(c);
}

static void encaps_vector(const char *rel, long id, const json *tc, int valid)
{
    size_t eklen;
    uint8_t *ek = tu_unhex(json_get_str(tc, "ek"), &eklen);
    uint8_t m[32], c[MLKEM512_CT_BYTES], k[32];
    tu_unhex_fixed(json_get_str(tc, "m"), m, 32);
    int rc = mlkem512_encaps_internal(c, k, ek, eklen, m);
    if (valid) {
        VCHECK(rc == DNASYNC_OK, rel, id);
        VCHECK(mlkem512_check_ek(ek, eklen) == DNASYNC_OK, rel, id);
        VCHECK(tu_eq_hex(c, sizeof c, json_get_str(tc, "c")), rel, id);
        VCHECK(tu_eq_hex(k, 32, json_get_str(tc, "K")), rel, id);
    } else {
        VCHECK(rc == DNASYNC_EINVAL, rel, id);
        VCHECK(mlkem512_check_ek(ek, eklen) == DNASYNC_EINVAL, rel, id);
    }
    free(ek);
}

static void semi_expanded_vector(const char *rel, long id, const json *tc, int valid)
{
    size_t dklen, clen;
    uint8_t *dk = tu_unhex(json_get_str(tc, "dk"), &dklen);
    uint8_t *c = tu_unhex(json_get_str(tc, "c"), &clen);
    uint8_t k[32];
    int rc = mlkem512_decaps(k, dk, dklen, c, clen);
    if (valid) {
        VCHECK(rc == DNASYNC_OK, rel, id);
        VCHECK(tu_eq_hex(k, 32, json_get_str(tc, "K")), rel, id);
    } else {
        VCHECK(rc == DNASYNC_EINVAL, rel, id);
        if (dklen == MLKEM512_DK_BYTES && clen == MLKEM512_CT_BYTES) { /* tcId 6, 7 */
            VCHECK(mlkem512_check_dk(dk, dklen) == DNASYNC_EINVAL, rel, id);
            printf("  tcId %ld: rejected by the FIPS 203 7.3 dk hash check\n", id);
        }
    }
    free(dk);
    free(c);
}

static void test_keygen_seed(void)
{
    run_file("wycheproof/mlkem_512_keygen_seed_test.json", keygen_vector, 100, 0);
}

static void test_decaps(void)
{
    run_file("wycheproof/mlkem_512_test.json", decaps_vector, 153, 40);
}

static void test_encaps(void)
{
    run_file("wycheproof/mlkem_512_encaps_test.json", encaps_vector, 133, 128);
}

static void test_semi_expanded(void)
{
    run_file("wycheproof/mlkem_512_semi_expanded_decaps_test.json", semi_expanded_vector, 3, 6);
}

int main(void)
{
    RUN(test_keygen_seed);
    RUN(test_decaps);
    RUN(test_encaps);
    RUN(test_semi_expanded);
    printf("Wycheproof total: %d vectors passed\n", total);
    CHECK(total > 0);
    return 0;
}
