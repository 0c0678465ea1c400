/* Identities: deterministic derivation (a fixed master secret gives a fixed signing key), the
 * derived keys work, and the identity file: create, load, refuse to overwrite, corrupt files. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "common/hex.h"
#include "crypto/envelope.h"
#include "crypto/sign.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root;

static char *path2(const char *a, const char *b)
{
    char *p = malloc(4096);
    CHECK(p != NULL);
    snprintf(p, 4096, "%s/%s", a, b);
    return p;
}

static long slurp(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

static void spit(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK_EQ_INT(fwrite(buf, 1, n, f), n);
    fclose(f);
    chmod(path, 0600);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void same_keys(const dnasync_identity_t *a, const dnasync_identity_t *b)
{
    CHECK_EQ_STR(a->name, b->name);
    CHECK(memcmp(a->master, b->master, 32) == 0);
    CHECK(memcmp(a->sign_pk, b->sign_pk, 32) == 0);
    CHECK(memcmp(a->sign_sk, b->sign_sk, 32) == 0);
    CHECK(memcmp(a->kem_ek, b->kem_ek, sizeof a->kem_ek) == 0);
    CHECK(memcmp(a->kem_dk, b->kem_dk, sizeof a->kem_dk) == 0);
    CHECK(memcmp(a->kem_key_id, b->kem_key_id, 8) == 0);
}

static void test_determinism(void)
{
    uint8_t master[32];
    for (int i = 0; i < 32; i++)
        master[i] = (uint8_t)i;
    dnasync_identity_t *a = NULL, *b = NULL, *c = NULL;
    CHECK_EQ_INT(dnasync_identity_from_master("alice", master, &a), 0);
    CHECK_EQ_INT(dnasync_identity_from_master("alice", master, &b), 0);
    same_keys(a, b);

    /* Literals computed independently (Python cryptography: HKDF-SHA256 + Ed25519) from the
     * derivation in docs/envelope.md; master = 00 01 02 .. 1f. */
    char hex[65];
    dnasync_hex_encode(a->sign_sk, 32, hex);
    CHECK_EQ_STR(hex, "c915ea1c186bd7e93f4aafb6ca3d4f4490fd5f2711c4bd7204a008af687c0221");
    dnasync_hex_encode(a->sign_pk, 32, hex);
    CHECK_EQ_STR(hex, "051eb539e75ab1f4e681e2f0d040ad40e9b31c721be8927e268aa1d2bd189c35");

    uint8_t id[8];
    CHECK_EQ_INT(dnasync_envelope_key_id(a->kem_ek, id), 0);
    CHECK(memcmp(id, a->kem_key_id, 8) == 0);

    /* another master secret gives other keys */
    master[31] ^= 1;
    CHECK_EQ_INT(dnasync_identity_from_master("alice", master, &c), 0);
    CHECK(memcmp(a->sign_pk, c->sign_pk, 32) != 0);
    CHECK(memcmp(a->kem_ek, c->kem_ek, sizeof a->kem_ek) != 0);

    /* the keys work: sign/verify, and an envelope sealed to a opens with b's keys */
    uint8_t sig[64];
    CHECK_EQ_INT(dnasync_sign(sig, a->sign_sk, (const uint8_t *)"m", 1), 0);
    CHECK_EQ_INT(dnasync_sign_verify(b->sign_pk, (const uint8_t *)"m", 1, sig), 0);
    /* the identity's built signing key is the same key */
    uint8_t sig2[64];
    CHECK(memcmp(dnasync_sign_key_public(a->sign_key), a->sign_pk, 32) == 0);
    CHECK_EQ_INT(dnasync_sign_with(a->sign_key, sig2, (const uint8_t *)"m", 1), 0);
    CHECK(memcmp(sig, sig2, 64) == 0);
    test_clock_t clk;
    test_clock_init(&clk, 1, 3);
    const uint8_t *eks[1] = {a->kem_ek};
    uint8_t *env = NULL, *body = NULL;
    size_t env_len = 0, body_len = 0;
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, 1, NULL, 0, (const uint8_t *)"hey", 3, &clk.env, &env, &env_len),
        0);
    CHECK_EQ_INT(dnasync_envelope_open(b->kem_dk, b->kem_ek, NULL, 0, env, env_len, &body,
                                       &body_len, NULL, 0),
                 0);
    CHECK(body_len == 3 && memcmp(body, "hey", 3) == 0);
    free(body);
    free(env);

    /* bad names */
    dnasync_identity_t *x = (dnasync_identity_t *)1;
    CHECK_EQ_INT(dnasync_identity_from_master("", master, &x), DNASYNC_EINVAL);
    CHECK(x == NULL);
    CHECK_EQ_INT(dnasync_identity_from_master("a\nb", master, &x), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_identity_from_master("\xff", master, &x), DNASYNC_EINVAL);
    CHECK_EQ_INT(
        dnasync_identity_from_master(
            "01234567890123456789012345678901234567890123456789012345678901234", master, &x),
        DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_identity_from_master("Zoë Ünïcode", master, &x), 0);
    dnasync_identity_free(x);

    dnasync_identity_free(a);
    dnasync_identity_free(b);
    dnasync_identity_free(c);
    dnasync_identity_free(NULL);
}

static void test_create_load(void)
{
    char *home = path2(root, "h1");
    char *file = path2(home, "identity");
    test_clock_t clk;
    test_clock_init(&clk, 1700000000, 11);
    char err[512];
    dnasync_identity_t *id = NULL, *loaded = NULL;

    /* home does not exist yet: it is created (0700) */
    CHECK_EQ_INT(dnasync_identity_create(home, "alice", &clk.env, &id, err, sizeof err), 0);
    struct stat st;
    CHECK(stat(home, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_EQ_INT(st.st_size, 10 + 5 + 32 + 4);
    CHECK_EQ_STR(id->name, "alice");

    CHECK_EQ_INT(dnasync_identity_load(home, &loaded, err, sizeof err), 0);
    same_keys(id, loaded);
    dnasync_identity_free(loaded);
    loaded = NULL;

    /* never overwrites */
    uint8_t before[256], after[256];
    long nb = slurp(file, before, sizeof before);
    dnasync_identity_t *again = (dnasync_identity_t *)1;
    CHECK_EQ_INT(dnasync_identity_create(home, "mallory", &clk.env, &again, err, sizeof err),
                 DNASYNC_EEXIST);
    CHECK(again == NULL);
    CHECK(strstr(err, "already has an identity") != NULL);
    CHECK(strstr(err, file) != NULL);
    CHECK_EQ_INT(slurp(file, after, sizeof after), nb);
    CHECK(memcmp(before, after, (size_t)nb) == 0);

    /* no temporary files left behind: the home holds the identity file only */
    CHECK_EQ_INT(count_entries(home), 1);

    /* out may be NULL */
    char *home2 = path2(root, "h2");
    CHECK_EQ_INT(dnasync_identity_create(home2, "bob", &clk.env, NULL, err, sizeof err), 0);
    /* a bad name creates nothing */
    char *home3 = path2(root, "h3");
    dnasync_identity_t *none = (dnasync_identity_t *)1;
    CHECK_EQ_INT(dnasync_identity_create(home3, "bad\tname", &clk.env, &none, err, sizeof err),
                 DNASYNC_EINVAL);
    CHECK(none == NULL);
    CHECK(strstr(err, "invalid identity name") != NULL);
    CHECK(stat(home3, &st) != 0);
    /* a home whose parent does not exist */
    char *deep = path2(root, "no/such/dir");
    CHECK_EQ_INT(dnasync_identity_create(deep, "bob", &clk.env, NULL, err, sizeof err),
                 DNASYNC_EIO);
    CHECK(strstr(err, "cannot create home") != NULL);

    /* same master on another device -> same keys (what join relies on) */
    dnasync_identity_t *re = NULL;
    CHECK_EQ_INT(dnasync_identity_from_master(id->name, id->master, &re), 0);
    same_keys(id, re);
    dnasync_identity_free(re);

    dnasync_identity_free(id);
    free(home);
    free(file);
    free(home2);
    free(home3);
    free(deep);
}

static void expect_corrupt(const char *home, const char *file, const uint8_t *content, size_t n,
                           const char *why)
{
    char err[512];
    spit(file, content, n);
    dnasync_identity_t *id = (dnasync_identity_t *)1;
    int rc = dnasync_identity_load(home, &id, err, sizeof err);
    if (rc != DNASYNC_ECORRUPT || !strstr(err, file) || !strstr(err, why)) {
        fprintf(stderr, "expected corrupt (%s), got %d: %s\n", why, rc, err);
        exit(1);
    }
    CHECK(id == NULL);
    /* left untouched */
    uint8_t now[512];
    CHECK_EQ_INT(slurp(file, now, sizeof now), n);
    CHECK(n == 0 || memcmp(now, content, n) == 0);
    /* and create still refuses to replace it */
    test_clock_t clk;
    test_clock_init(&clk, 1, 1);
    CHECK_EQ_INT(dnasync_identity_create(home, "x", &clk.env, NULL, err, sizeof err),
                 DNASYNC_EEXIST);
}

static void test_corrupt_files(void)
{
    char *home = path2(root, "hc");
    char *file = path2(home, "identity");
    test_clock_t clk;
    test_clock_init(&clk, 1700000000, 12);
    char err[512];
    dnasync_identity_t *id = NULL;

    /* missing */
    CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), DNASYNC_ENOTFOUND);
    CHECK(strstr(err, file) != NULL);

    CHECK_EQ_INT(dnasync_identity_create(home, "carol", &clk.env, NULL, err, sizeof err), 0);
    uint8_t good[256];
    long n = slurp(file, good, sizeof good);
    CHECK(n == 10 + 5 + 32 + 4);

    uint8_t bad[256];
    for (long i = 0; i < n; i++) {
        memcpy(bad, good, (size_t)n);
        bad[i] ^= 0x20;
        const char *why = i < 8 ? "bad magic" : i == 8 ? "version" : i == 9 ? "length" : "";
        expect_corrupt(home, file, bad, (size_t)n, why);
    }
    for (long l = 0; l < n; l++)
        expect_corrupt(home, file, good, (size_t)l, "");
    memcpy(bad, good, (size_t)n);
    bad[n] = 0;
    expect_corrupt(home, file, bad, (size_t)n + 1, "wrong length");
    expect_corrupt(home, file, (const uint8_t *)"hello world, not an identity\n", 29, "magic");

    /* restored: loads again */
    spit(file, good, (size_t)n);
    CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), 0);
    CHECK_EQ_STR(id->name, "carol");
    dnasync_identity_free(id);
    id = NULL;

    /* group/world access is refused with the fix in the message */
    CHECK(chmod(file, 0644) == 0);
    CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), DNASYNC_EIO);
    CHECK(strstr(err, "chmod 600") != NULL && strstr(err, file) != NULL);
    CHECK(id == NULL);
    CHECK(chmod(file, 0600) == 0);

    /* unreadable (when not running as root, where permissions do not apply) */
    if (geteuid() != 0) {
        CHECK(chmod(file, 0000) == 0);
        CHECK_EQ_INT(dnasync_identity_load(home, &id, err, sizeof err), DNASYNC_EIO);
        CHECK(strstr(err, file) != NULL);
        CHECK(chmod(file, 0600) == 0);
    }
    /* a directory where the file should be */
    char *home2 = path2(root, "hd");
    char *file2 = path2(home2, "identity");
    CHECK(mkdir(home2, 0700) == 0 && mkdir(file2, 0700) == 0);
    CHECK(dnasync_identity_load(home2, &id, err, sizeof err) < 0);
    CHECK(strstr(err, file2) != NULL);
    free(home);
    free(file);
    free(home2);
    free(file2);
}

int main(void)
{
    root = test_tmpdir("identity");
    RUN(test_determinism);
    RUN(test_create_load);
    RUN(test_corrupt_files);
    test_rmtree(root);
    free(root);
    return 0;
}
