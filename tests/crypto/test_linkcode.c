/* Link codes: round trip into a new home, wrong passphrase and damaged codes create nothing,
 * absurd KDF parameters are refused, an existing identity is never replaced, a code expires
 * (the time is inside the authenticated header), passphrases under 12 bytes are refused. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/base32.h"
#include "crypto/symcrypto.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PASS "correct horse battery"
#define FAST 10 /* scrypt N = 2^10 in tests */

static char *root;
static test_clock_t clk;
static dnasync_identity_t *alice;

static char *path2(const char *a, const char *b)
{
    char *p = malloc(4096);
    CHECK(p != NULL);
    snprintf(p, 4096, "%s/%s", a, b);
    return p;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *make(const char *pass)
{
    char *code = NULL;
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, pass, FAST, &clk.env, &code), 0);
    CHECK(code != NULL);
    return code;
}

/* Join must fail with `code_expected`, the message must contain `needle`, and the home must not
 * exist afterwards. */
static void expect_join_fails(const char *code, const char *pass, int code_expected,
                              const char *needle)
{
    char *home = path2(root, "nothing-here");
    char err[512];
    dnasync_identity_t *id = (dnasync_identity_t *)1;
    int rc = dnasync_linkcode_join(home, code, pass, &clk.env, &id, err, sizeof err);
    if (rc != code_expected || !strstr(err, needle)) {
        fprintf(stderr, "join: expected %d '%s', got %d '%s' (code %s)\n", code_expected, needle,
                rc, err, code);
        exit(1);
    }
    CHECK(id == NULL);
    CHECK(!exists(home));
    free(home);
}

static void test_round_trip(void)
{
    char *code = make(PASS);
    CHECK(strncmp(code, "DNA1-", 5) == 0);
    for (const char *p = code + 5; *p; p++)
        CHECK((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7'));

    char *home = path2(root, "phone");
    char *file = path2(home, "identity");
    char err[512];
    dnasync_identity_t *id = NULL;
    CHECK_EQ_INT(dnasync_linkcode_join(home, code, PASS, &clk.env, &id, err, sizeof err), 0);
    CHECK_EQ_STR(id->name, "alice");
    CHECK(memcmp(id->master, alice->master, 32) == 0);
    CHECK(memcmp(id->sign_pk, alice->sign_pk, 32) == 0);
    CHECK(memcmp(id->kem_ek, alice->kem_ek, sizeof id->kem_ek) == 0);
    CHECK(memcmp(id->kem_dk, alice->kem_dk, sizeof id->kem_dk) == 0);
    struct stat st;
    CHECK(stat(home, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600);
    dnasync_identity_free(id);
    id = NULL;
    CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), 0);
    CHECK(memcmp(id->sign_pk, alice->sign_pk, 32) == 0);
    dnasync_identity_free(id);

    /* joining again into a home with an identity is refused, the file untouched */
    FILE *f = fopen(file, "rb");
    uint8_t before[256], after[256];
    size_t nb = fread(before, 1, sizeof before, f);
    fclose(f);
    id = (dnasync_identity_t *)1;
    CHECK_EQ_INT(dnasync_linkcode_join(home, code, PASS, &clk.env, &id, err, sizeof err),
                 DNASYNC_EEXIST);
    CHECK(id == NULL && strstr(err, "already has an identity") != NULL);
    f = fopen(file, "rb");
    CHECK_EQ_INT(fread(after, 1, sizeof after, f), nb);
    fclose(f);
    CHECK(memcmp(before, after, nb) == 0);

    /* lower case, surrounding white space and dashes are accepted; out may be NULL */
    char *lower = strdup(code);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *dashed = malloc(strlen(lower) * 2 + 8);
    size_t o = 0;
    dashed[o++] = ' ';
    for (size_t i = 0; lower[i]; i++) {
        dashed[o++] = lower[i];
        if (i > 5 && i % 6 == 0)
            dashed[o++] = '-';
    }
    dashed[o++] = '\n';
    dashed[o] = '\0';
    char *home2 = path2(root, "tablet");
    CHECK_EQ_INT(dnasync_linkcode_join(home2, dashed, PASS, &clk.env, NULL, err, sizeof err), 0);

    /* the code is randomised: two codes for one identity differ */
    char *code2 = make(PASS);
    CHECK(strcmp(code, code2) != 0);

    free(code);
    free(code2);
    free(lower);
    free(dashed);
    free(home);
    free(home2);
    free(file);
}

static void test_default_params(void)
{
    char *code = NULL;
    CHECK_EQ_INT(dnasync_linkcode_make(alice, PASS, &clk.env, &code), 0);
    uint8_t raw[256];
    long n = dnasync_base32_decode(code + 5, raw, sizeof raw, NULL);
    CHECK(n > 40);
    CHECK_EQ_INT(raw[0], 2);
    CHECK_EQ_INT(raw[1], 15);
    CHECK_EQ_INT(raw[2], 8);
    CHECK_EQ_INT(raw[3], 1);
    uint64_t expires = 0;
    for (int i = 7; i >= 0; i--)
        expires = expires << 8 | raw[4 + i];
    CHECK(expires == dnasync_env_now(&clk.env) + DNASYNC_LINKCODE_VALID_DEFAULT_S);
    char *home = path2(root, "laptop");
    char err[512];
    CHECK_EQ_INT(dnasync_linkcode_join(home, code, PASS, &clk.env, NULL, err, sizeof err), 0);
    free(home);
    free(code);
}

static void test_make_refuses(void)
{
    char *code = (char *)1;
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, "short", FAST, &clk.env, &code),
                 DNASYNC_EINVAL);
    CHECK(code == NULL);
    CHECK_EQ_INT(DNASYNC_LINKCODE_PASSPHRASE_MIN, 12);
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, "eleven char", FAST, &clk.env, &code),
                 DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, "twelve chars", FAST, &clk.env, &code), 0);
    free(code);
    code = NULL;
    CHECK_EQ_INT(dnasync_linkcode_make_valid(alice, PASS, FAST, 0, &clk.env, &code),
                 DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_linkcode_make_valid(alice, PASS, FAST, DNASYNC_LINKCODE_VALID_MAX_S + 1,
                                             &clk.env, &code),
                 DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, PASS, 9, &clk.env, &code), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_linkcode_make_params(alice, PASS, 21, &clk.env, &code), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_linkcode_make_params(NULL, PASS, FAST, &clk.env, &code), DNASYNC_EINVAL);
}

static void test_wrong_passphrase(void)
{
    char *code = make(PASS);
    expect_join_fails(code, "correct horse battery!", DNASYNC_EAUTH, "wrong passphrase");
    expect_join_fails(code, "", DNASYNC_EAUTH, "wrong passphrase");
    free(code);
}

static char other_base32(char c)
{
    return c == 'A' ? 'B' : 'A';
}

static void test_damaged_codes(void)
{
    char *code = make(PASS);
    size_t len = strlen(code);
    /* one character changed, at many positions (every 7th, plus first and last) */
    for (size_t i = 5; i < len; i += (i + 7 < len ? 7 : 1)) {
        char *bad = strdup(code);
        bad[i] = other_base32(bad[i]);
        expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
        free(bad);
    }
    /* two neighbours swapped */
    char *bad = strdup(code);
    for (size_t i = 6; i + 1 < len; i++) {
        if (bad[i] != bad[i + 1]) {
            char t = bad[i];
            bad[i] = bad[i + 1];
            bad[i + 1] = t;
            break;
        }
    }
    expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
    free(bad);
    /* a character outside the alphabet ('0', '1', '8', '9' are easy to type by mistake) */
    bad = strdup(code);
    bad[20] = '0';
    expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "invalid character '0'");
    free(bad);
    /* truncated, extended, missing prefix, empty */
    bad = strdup(code);
    bad[len - 3] = '\0';
    expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
    bad[40] = '\0';
    expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
    free(bad);
    bad = malloc(len + 10);
    snprintf(bad, len + 10, "%sAAAAAAAA", code);
    expect_join_fails(bad, PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
    free(bad);
    expect_join_fails(code + 5, PASS, DNASYNC_ECORRUPT, "must start with 'DNA1-'");
    expect_join_fails("", PASS, DNASYNC_ECORRUPT, "must start with");
    expect_join_fails("DNA1-", PASS, DNASYNC_ECORRUPT, "damaged or mistyped");
    free(code);
}

/* Re-encode a code after changing its header, with a valid checksum. */
static char *forge(const char *code, int off, uint8_t value)
{
    uint8_t raw[256], h[32];
    long n = dnasync_base32_decode(code + 5, raw, sizeof raw, NULL);
    CHECK(n > 36);
    raw[off] = value;
    CHECK_EQ_INT(dnasync_sha256(raw, (size_t)n - 4, h), 0);
    memcpy(raw + n - 4, h, 4);
    char *out = malloc(5 + DNASYNC_BASE32_LEN((size_t)n) + 1);
    memcpy(out, "DNA1-", 5);
    dnasync_base32_encode(raw, (size_t)n, out + 5);
    return out;
}

static void test_absurd_params(void)
{
    char *code = make(PASS);
    struct {
        int off;
        uint8_t value;
        const char *needle;
    } cases[] = {
        {1, 40, "absurd scrypt parameters (N=2^40"},
        {1, 21, "absurd"},
        {1, 4, "absurd"}, /* too weak */
        {1, 0, "absurd"},
        {2, 0, "absurd"},
        {2, 200, "absurd"},
        {3, 0, "absurd"},
        {3, 255, "absurd"},
        {0, 3, "version 3 is not supported"},
        {0, 1, "version 1 is not supported"}, /* had no expiry: refused */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bad = forge(code, cases[i].off, cases[i].value);
        expect_join_fails(bad, PASS, DNASYNC_EINVAL, cases[i].needle);
        free(bad);
    }
    /* forging valid-looking but different parameters only breaks the GCM tag */
    char *other = forge(code, 1, 11);
    expect_join_fails(other, PASS, DNASYNC_EAUTH, "wrong passphrase");
    free(other);
    free(code);
}

/* A code works until the time it carries (default 15 minutes), then never: "expired". Moving the
 * time in the code breaks the GCM tag (it is in the authenticated header). */
static void test_expiry(void)
{
    char *code = NULL, err[512];
    CHECK_EQ_INT(dnasync_linkcode_make_valid(alice, PASS, FAST, 120, &clk.env, &code), 0);
    test_clock_advance(&clk, 120);
    char *home = path2(root, "in-time");
    CHECK_EQ_INT(dnasync_linkcode_join(home, code, PASS, &clk.env, NULL, err, sizeof err), 0);
    free(home);
    test_clock_advance(&clk, 1);
    expect_join_fails(code, PASS, DNASYNC_EAUTH, "link code expired");
    /* the expiry time is bytes 4..11 (little-endian): pushing it later breaks the tag */
    char *later = forge(code, 11, 0x7f);
    expect_join_fails(later, PASS, DNASYNC_EAUTH, "wrong passphrase");
    free(later);
    free(code);
    /* the default: 15 minutes */
    CHECK_EQ_INT(dnasync_linkcode_make(alice, PASS, &clk.env, &code), 0);
    test_clock_advance(&clk, DNASYNC_LINKCODE_VALID_DEFAULT_S + 1);
    expect_join_fails(code, PASS, DNASYNC_EAUTH, "link code expired");
    free(code);
}

int main(void)
{
    root = test_tmpdir("linkcode");
    test_clock_init(&clk, 1700000000, 99);
    uint8_t master[32];
    memset(master, 0x5a, sizeof master);
    CHECK_EQ_INT(dnasync_identity_from_master("alice", master, &alice), 0);
    RUN(test_round_trip);
    RUN(test_default_params);
    RUN(test_make_refuses);
    RUN(test_wrong_passphrase);
    RUN(test_damaged_codes);
    RUN(test_absurd_params);
    RUN(test_expiry);
    dnasync_identity_free(alice);
    test_rmtree(root);
    free(root);
    return 0;
}
