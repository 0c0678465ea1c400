/* The pin store: first sight pins, the same keys pass, changed keys are refused loudly, a
 * damaged store is reported and left untouched, a torn last line is recovered from. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/fingerprint.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *home;
static char pins_path[4096];

/* Only the public keys matter to the pin store: stand-ins filled from a seed byte. */
typedef struct keys {
    uint8_t sign_pk[32];
    uint8_t kem_ek[DNASYNC_KEM_EK_BYTES];
} keys_t;

static keys_t *ident(const char *name, uint8_t seed)
{
    (void)name;
    keys_t *k = malloc(sizeof *k);
    CHECK(k != NULL);
    for (size_t i = 0; i < sizeof k->sign_pk; i++)
        k->sign_pk[i] = (uint8_t)(seed * 31 + i);
    for (size_t i = 0; i < sizeof k->kem_ek; i++)
        k->kem_ek[i] = (uint8_t)(seed * 17 + i * 3);
    return k;
}

static long slurp(char *buf, size_t cap)
{
    FILE *f = fopen(pins_path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return (long)n;
}

static void test_tofu(void)
{
    keys_t *bob = ident("bob", 1), *bob2 = ident("bob", 2), *eve = ident("eve", 3);
    keys_t *spaced = ident("bob the builder", 4);
    char err[512];

    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 0);
    struct stat st;
    CHECK(stat(pins_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    /* the same keys again: fine, nothing added */
    char before[4096], after[4096];
    long nb = slurp(before, sizeof before);
    CHECK(strncmp(before, "dnasync-pins 1\n", 15) == 0);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 0);
    CHECK_EQ_INT(slurp(after, sizeof after), nb);

    /* a different signing key for bob */
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob2->sign_pk, bob->kem_ek, err, sizeof err),
                 DNASYNC_EAUTH);
    CHECK(strstr(err, "identity key for 'bob' changed: pinned ") != NULL);
    CHECK(strstr(err, " now ") != NULL && strstr(err, "refusing") != NULL);
    /* a different ML-KEM key for bob */
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob2->kem_ek, err, sizeof err),
                 DNASYNC_EAUTH);
    CHECK(strstr(err, "identity key for 'bob' changed") != NULL);
    /* refused still, later */
    CHECK_EQ_INT(
        dnasync_pin_check_or_add(home, "bob", bob2->sign_pk, bob2->kem_ek, err, sizeof err),
        DNASYNC_EAUTH);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 0);

    /* other names are independent; names with spaces work */
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "eve", eve->sign_pk, eve->kem_ek, err, sizeof err),
                 0);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob the builder", spaced->sign_pk, spaced->kem_ek,
                                          err, sizeof err),
                 0);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob the builder", bob->sign_pk, bob->kem_ek, err,
                                          sizeof err),
                 DNASYNC_EAUTH);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 0);
    /* bad name */
    CHECK_EQ_INT(
        dnasync_pin_check_or_add(home, "b\nob", bob->sign_pk, bob->kem_ek, err, sizeof err),
        DNASYNC_EINVAL);

    free(bob);
    free(bob2);
    free(eve);
    free(spaced);
}

static void test_damaged_store(void)
{
    keys_t *carol = ident("carol", 5), *bob = ident("bob", 1);
    char err[512], good[8192], now[8192];
    long n = slurp(good, sizeof good);
    CHECK(n > 0);

    /* torn last line (a crash mid-append): ignored, then cut off by the next append */
    FILE *f = fopen(pins_path, "ab");
    CHECK(f != NULL);
    fputs("0123abcd", f);
    fclose(f);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 0);
    CHECK_EQ_INT(
        dnasync_pin_check_or_add(home, "carol", carol->sign_pk, carol->kem_ek, err, sizeof err), 0);
    long m = slurp(now, sizeof now);
    CHECK(m > n && memcmp(now, good, (size_t)n) == 0 && now[n] != '0');
    CHECK(now[m - 1] == '\n');

    /* a damaged line: reported with its number, file untouched, nothing pinned */
    char bad[8192];
    memcpy(bad, now, (size_t)m + 1);
    bad[15 + 3] = 'x'; /* inside the first pin's hex */
    f = fopen(pins_path, "wb");
    CHECK(f != NULL);
    fwrite(bad, 1, (size_t)m, f);
    fclose(f);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "dave", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 DNASYNC_ECORRUPT);
    CHECK(strstr(err, pins_path) != NULL && strstr(err, "line 2") != NULL);
    char after[8192];
    CHECK_EQ_INT(slurp(after, sizeof after), m);
    CHECK(memcmp(after, bad, (size_t)m) == 0);

    /* a wrong header */
    f = fopen(pins_path, "wb");
    CHECK(f != NULL);
    fputs("something else\n", f);
    fclose(f);
    CHECK_EQ_INT(dnasync_pin_check_or_add(home, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err),
                 DNASYNC_ECORRUPT);
    CHECK(strstr(err, "line 1") != NULL);

    free(carol);
    free(bob);
}

/* Four processes pin 25 names each, plus one name they all race for with different keys:
 * every pin lands exactly once, the store stays well-formed, exactly one racer wins. */
static void test_concurrent_processes(void)
{
    /* on the stack, so a child that _exit()s holds no heap block of its own (valgrind) */
    char home2[4096];
    char *tmp = test_tmpdir("pins-conc");
    snprintf(home2, sizeof home2, "%s", tmp);
    free(tmp);
    pid_t pids[4];
    for (int p = 0; p < 4; p++) {
        pids[p] = fork();
        CHECK(pids[p] >= 0);
        if (pids[p] == 0) {
            char name[32], err[512];
            int failures = 0;
            for (int i = 0; i < 25; i++) {
                snprintf(name, sizeof name, "user-%d-%d", p, i);
                keys_t *k = ident(name, (uint8_t)(p * 25 + i));
                failures += dnasync_pin_check_or_add(home2, name, k->sign_pk, k->kem_ek, err,
                                                     sizeof err) != 0;
                free(k);
                if (i == 12) {
                    keys_t *race = ident("contested", (uint8_t)(200 + p));
                    int rc = dnasync_pin_check_or_add(home2, "contested", race->sign_pk,
                                                      race->kem_ek, err, sizeof err);
                    free(race);
                    failures += rc != 0 && rc != DNASYNC_EAUTH;
                    if (rc == 0)
                        failures += 100; /* counted by the parent: exactly one 0 */
                }
            }
            _exit(failures > 99 ? 100 + failures % 100 : failures);
        }
    }
    int winners = 0;
    for (int p = 0; p < 4; p++) {
        int st = 0;
        CHECK(waitpid(pids[p], &st, 0) == pids[p]);
        CHECK(WIFEXITED(st));
        int code = WEXITSTATUS(st);
        CHECK(code == 0 || code == 100);
        winners += code == 100;
    }
    CHECK_EQ_INT(winners, 1);
    /* every pin is there once and still matches */
    char err[512];
    for (int p = 0; p < 4; p++) {
        for (int i = 0; i < 25; i++) {
            char name[32];
            snprintf(name, sizeof name, "user-%d-%d", p, i);
            keys_t *k = ident(name, (uint8_t)(p * 25 + i));
            CHECK_EQ_INT(
                dnasync_pin_check_or_add(home2, name, k->sign_pk, k->kem_ek, err, sizeof err), 0);
            free(k);
        }
    }
    char path[4200], line[512];
    snprintf(path, sizeof path, "%s/pins", home2);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    CHECK_EQ_INT(lines, 1 + 100 + 1);
    test_rmtree(home2);
}

/* Lookup, listing and verification records: fingerprints as crypto/fingerprint.h defines them,
 * "verified" only for the pinned fingerprint, and a store with them survives a reread. */
static void test_lookup_verify(void)
{
    char *h = test_tmpdir("pins-verify"), err[512];
    keys_t *bob = ident("bob", 1), *eve = ident("eve", 3);
    dnasync_pin_t pin, *all = NULL;
    size_t n = 99;
    CHECK_EQ_INT(dnasync_pins_list(h, &all, &n, err, sizeof err), 0); /* no store yet */
    CHECK(all == NULL && n == 0);
    CHECK_EQ_INT(dnasync_pin_lookup(h, "bob", &pin, err, sizeof err), DNASYNC_ENOTFOUND);
    CHECK_EQ_INT(dnasync_pin_check_or_add(h, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_pin_check_or_add(h, "eve", eve->sign_pk, eve->kem_ek, err, sizeof err), 0);
    uint8_t fp[32], efp[32];
    CHECK_EQ_INT(dnasync_fingerprint(bob->sign_pk, bob->kem_ek, fp), 0);
    CHECK_EQ_INT(dnasync_fingerprint(eve->sign_pk, eve->kem_ek, efp), 0);
    CHECK_EQ_INT(dnasync_pin_lookup(h, "bob", &pin, err, sizeof err), 0);
    CHECK(memcmp(pin.fingerprint, fp, 32) == 0 && !pin.verified);
    CHECK_EQ_STR(pin.name, "bob");
    /* verifying another fingerprint is refused; an unknown name is not found */
    CHECK_EQ_INT(dnasync_pin_set_verified(h, "bob", efp, err, sizeof err), DNASYNC_EAUTH);
    CHECK_EQ_INT(dnasync_pin_set_verified(h, "zed", fp, err, sizeof err), DNASYNC_ENOTFOUND);
    CHECK_EQ_INT(dnasync_pin_set_verified(h, "bob", fp, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_pin_set_verified(h, "bob", fp, err, sizeof err), 0); /* idempotent */
    CHECK_EQ_INT(dnasync_pin_lookup(h, "bob", &pin, err, sizeof err), 0);
    CHECK(pin.verified);
    CHECK_EQ_INT(dnasync_pins_list(h, &all, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(all[0].name, "bob");
    CHECK(all[0].verified && !all[1].verified);
    CHECK(memcmp(all[1].fingerprint, efp, 32) == 0);
    free(all);
    /* one verification line was written, and pinning still works after it */
    char path[4200], line[512];
    snprintf(path, sizeof path, "%s/pins", h);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int verified_lines = 0;
    while (fgets(line, sizeof line, f))
        verified_lines += strncmp(line, "verified ", 9) == 0;
    fclose(f);
    CHECK_EQ_INT(verified_lines, 1);
    CHECK_EQ_INT(dnasync_pin_check_or_add(h, "bob", bob->sign_pk, bob->kem_ek, err, sizeof err), 0);
    CHECK_EQ_INT(dnasync_pin_check_or_add(h, "bob", eve->sign_pk, eve->kem_ek, err, sizeof err),
                 DNASYNC_EAUTH);
    free(bob);
    free(eve);
    test_rmtree(h);
    free(h);
}

int main(void)
{
    home = test_tmpdir("pins");
    snprintf(pins_path, sizeof pins_path, "%s/pins", home);
    RUN(test_tofu);
    RUN(test_damaged_store);
    RUN(test_concurrent_processes);
    RUN(test_lookup_verify);
    test_rmtree(home);
    free(home);
    return 0;
}
