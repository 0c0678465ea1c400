/* Envelope: round trips for 1, 2 and 16 recipients, empty and maximum bodies, limits, every-byte
 * tampering and every truncation, wrong recipient, different associated data. */
#include "check.h"
#include "crypto/envelope.h"
#include "crypto/mlkem.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NKEYS 18

static uint8_t ek[NKEYS][MLKEM512_EK_BYTES];
static uint8_t dk[NKEYS][MLKEM512_DK_BYTES];
static test_clock_t clk;

static const uint8_t aad[] = "alice\0bob\0\x00\x00\x01\x8f\x00\x00\x00\x00";

static void make_keys(void)
{
    test_clock_init(&clk, 1700000000, 42);
    for (int i = 0; i < NKEYS; i++)
        CHECK_EQ_INT(mlkem512_keygen(ek[i], dk[i], &clk.env), 0);
}

static uint8_t *seal(const int *who, size_t n, const uint8_t *body, size_t body_len, size_t *len)
{
    const uint8_t *eks[NKEYS];
    for (size_t i = 0; i < n; i++)
        eks[i] = ek[who[i]];
    uint8_t *out = NULL;
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, n, aad, sizeof aad, body, body_len, &clk.env, &out, len), 0);
    CHECK(out != NULL);
    return out;
}

static void expect_open(int k, const uint8_t *env, size_t len, const uint8_t *body, size_t body_len)
{
    uint8_t *got = NULL;
    size_t got_len = 99;
    char err[256];
    int rc = dnasync_envelope_open(dk[k], ek[k], aad, sizeof aad, env, len, &got, &got_len, err,
                                   sizeof err);
    if (rc != 0)
        fprintf(stderr, "open failed: %d %s\n", rc, err);
    CHECK_EQ_INT(rc, 0);
    CHECK(got != NULL);
    CHECK_EQ_INT(got_len, body_len);
    CHECK(body_len == 0 || memcmp(got, body, body_len) == 0);
    free(got);
}

/* Opening must fail with ECRYPTO or ECORRUPT, leave *body NULL and give a message. */
static int expect_fail(int k, const uint8_t *a, size_t alen, const uint8_t *env, size_t len,
                       char *err, size_t errlen)
{
    uint8_t *got = (uint8_t *)1;
    size_t got_len = 5;
    err[0] = '\0';
    int rc = dnasync_envelope_open(dk[k], ek[k], a, alen, env, len, &got, &got_len, err, errlen);
    if (rc != DNASYNC_ECRYPTO && rc != DNASYNC_ECORRUPT) {
        fprintf(stderr, "expected failure, got %d (%s)\n", rc, err);
        exit(1);
    }
    CHECK(got == NULL);
    CHECK_EQ_INT(got_len, 0);
    CHECK(err[0] != '\0');
    return rc;
}

static void test_round_trips(void)
{
    const uint8_t body[] = "hello from alice's desktop";
    size_t len;
    int one[1] = {0};
    uint8_t *e = seal(one, 1, body, sizeof body, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_SIZE(1, sizeof body));
    CHECK_EQ_INT(e[0], 1);
    CHECK_EQ_INT(e[1], 1);
    expect_open(0, e, len, body, sizeof body);
    free(e);

    int two[2] = {1, 0}; /* addressee bob (1), sender alice (0) */
    e = seal(two, 2, body, sizeof body, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_SIZE(2, sizeof body));
    expect_open(0, e, len, body, sizeof body);
    expect_open(1, e, len, body, sizeof body);
    free(e);

    int all[16];
    for (int i = 0; i < 16; i++)
        all[i] = 15 - i;
    e = seal(all, 16, body, sizeof body, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_SIZE(16, sizeof body));
    for (int i = 0; i < 16; i++)
        expect_open(i, e, len, body, sizeof body);
    free(e);
}

static void test_sizes_and_limits(void)
{
    size_t len;
    int two[2] = {2, 3};
    /* empty body */
    uint8_t *e = seal(two, 2, NULL, 0, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_SIZE(2, 0));
    expect_open(3, e, len, NULL, 0);
    free(e);

    /* maximum body with the maximum recipients still fits a 64 KiB DHT value */
    CHECK(DNASYNC_ENVELOPE_MAX_BYTES < 65536);
    uint8_t *big = malloc(DNASYNC_ENVELOPE_MAX_BODY + 1);
    CHECK(big != NULL);
    for (size_t i = 0; i < DNASYNC_ENVELOPE_MAX_BODY + 1; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    int all[16];
    for (int i = 0; i < 16; i++)
        all[i] = i;
    e = seal(all, 16, big, DNASYNC_ENVELOPE_MAX_BODY, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_MAX_BYTES);
    expect_open(9, e, len, big, DNASYNC_ENVELOPE_MAX_BODY);
    free(e);

    /* over the limits */
    const uint8_t *eks[NKEYS];
    for (int i = 0; i < NKEYS; i++)
        eks[i] = ek[i];
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;
    CHECK_EQ_INT(dnasync_envelope_seal(eks, 1, NULL, 0, big, DNASYNC_ENVELOPE_MAX_BODY + 1,
                                       &clk.env, &out, &out_len),
                 DNASYNC_ETOOBIG);
    CHECK(out == NULL && out_len == 0);
    CHECK_EQ_INT(dnasync_envelope_seal(eks, 17, NULL, 0, big, 10, &clk.env, &out, &out_len),
                 DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_envelope_seal(eks, 0, NULL, 0, big, 10, &clk.env, &out, &out_len),
                 DNASYNC_EINVAL);
    CHECK(out == NULL);
    free(big);

    /* the same key twice gets one slot (a note to self: sender == addressee) */
    int same[3] = {4, 4, 4};
    e = seal(same, 3, (const uint8_t *)"x", 1, &len);
    CHECK_EQ_INT(len, DNASYNC_ENVELOPE_SIZE(1, 1));
    CHECK_EQ_INT(e[1], 1);
    expect_open(4, e, len, (const uint8_t *)"x", 1);
    free(e);
}

static void test_tamper_every_byte(void)
{
    const uint8_t body[] = "hi bob";
    char err[256];
    for (int n = 1; n <= 2; n++) {
        int who[2] = {5, 6};
        size_t len;
        uint8_t *e = seal(who, (size_t)n, body, sizeof body, &len);
        uint8_t *copy = malloc(len + 1);
        CHECK(copy != NULL);
        static const uint8_t masks[] = {0x01, 0x80, 0xff};
        for (size_t m = 0; m < sizeof masks; m++) {
            for (size_t i = 0; i < len; i++) {
                memcpy(copy, e, len);
                copy[i] ^= masks[m];
                expect_fail(5, aad, sizeof aad, copy, len, err, sizeof err);
            }
        }
        /* every truncation, and one byte more */
        for (size_t l = 0; l < len; l++) {
            memcpy(copy, e, len);
            expect_fail(5, aad, sizeof aad, copy, l, err, sizeof err);
        }
        memcpy(copy, e, len);
        copy[len] = 0;
        expect_fail(5, aad, sizeof aad, copy, len + 1, err, sizeof err);
        /* untouched still opens */
        expect_open(5, e, len, body, sizeof body);
        free(copy);
        free(e);
    }
    /* specific messages */
    size_t len;
    int one[1] = {5};
    uint8_t *e = seal(one, 1, body, sizeof body, &len);
    CHECK_EQ_INT(expect_fail(5, aad, sizeof aad, e, 1, err, sizeof err), DNASYNC_ECORRUPT);
    CHECK(strstr(err, "truncated") != NULL);
    e[0] = 2;
    CHECK_EQ_INT(expect_fail(5, aad, sizeof aad, e, len, err, sizeof err), DNASYNC_ECORRUPT);
    CHECK(strstr(err, "version 2 is not supported") != NULL);
    e[0] = 1;
    e[1] = 0;
    CHECK_EQ_INT(expect_fail(5, aad, sizeof aad, e, len, err, sizeof err), DNASYNC_ECORRUPT);
    CHECK(strstr(err, "recipients") != NULL);
    e[1] = 1;
    e[len - 1] ^= 1;
    CHECK_EQ_INT(expect_fail(5, aad, sizeof aad, e, len, err, sizeof err), DNASYNC_ECRYPTO);
    CHECK(strstr(err, "does not authenticate") != NULL);
    free(e);
}

static void test_wrong_recipient_and_aad(void)
{
    const uint8_t body[] = "for bob and alice only";
    char err[256];
    size_t len;
    int two[2] = {7, 8};
    uint8_t *e = seal(two, 2, body, sizeof body, &len);
    CHECK_EQ_INT(expect_fail(9, aad, sizeof aad, e, len, err, sizeof err), DNASYNC_ECRYPTO);
    CHECK(strstr(err, "not addressed to this identity") != NULL);

    /* right key id but the wrong decapsulation key: the slot does not authenticate */
    uint8_t *got = NULL;
    size_t got_len = 0;
    CHECK_EQ_INT(dnasync_envelope_open(dk[9], ek[7], aad, sizeof aad, e, len, &got, &got_len, err,
                                       sizeof err),
                 DNASYNC_ECRYPTO);
    CHECK(got == NULL);

    /* different associated data (another sender, recipient or created_at) */
    uint8_t other[sizeof aad];
    memcpy(other, aad, sizeof aad);
    other[0] = 'A';
    CHECK_EQ_INT(expect_fail(7, other, sizeof other, e, len, err, sizeof err), DNASYNC_ECRYPTO);
    CHECK(strstr(err, "associated data") != NULL);
    CHECK_EQ_INT(expect_fail(7, aad, sizeof aad - 1, e, len, err, sizeof err), DNASYNC_ECRYPTO);
    CHECK_EQ_INT(expect_fail(7, NULL, 0, e, len, err, sizeof err), DNASYNC_ECRYPTO);
    expect_open(8, e, len, body, sizeof body);
    free(e);
}

static int failing_rng(void *user, uint8_t *out, size_t len)
{
    (void)user;
    (void)out;
    (void)len;
    return -1;
}

static void test_randomness_from_env(void)
{
    /* The same env state gives the same bytes: all randomness comes from env. */
    test_clock_t a, b;
    test_clock_init(&a, 1, 77);
    test_clock_init(&b, 1, 77);
    const uint8_t *eks[2] = {ek[0], ek[1]};
    uint8_t *x = NULL, *y = NULL;
    size_t xl = 0, yl = 0;
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, 2, aad, sizeof aad, (const uint8_t *)"abc", 3, &a.env, &x, &xl),
        0);
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, 2, aad, sizeof aad, (const uint8_t *)"abc", 3, &b.env, &y, &yl),
        0);
    CHECK(xl == yl && memcmp(x, y, xl) == 0);
    free(y);
    y = NULL;
    /* a different state gives different bytes */
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, 2, aad, sizeof aad, (const uint8_t *)"abc", 3, &a.env, &y, &yl),
        0);
    CHECK(memcmp(x, y, xl) != 0);
    free(x);
    free(y);

    dnasync_env_t bad = {NULL, failing_rng, NULL};
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;
    CHECK_EQ_INT(
        dnasync_envelope_seal(eks, 2, NULL, 0, (const uint8_t *)"abc", 3, &bad, &out, &out_len),
        DNASYNC_ECRYPTO);
    CHECK(out == NULL);
}

static void test_key_id(void)
{
    uint8_t id[8];
    CHECK_EQ_INT(dnasync_envelope_key_id(ek[0], id), 0);
    size_t len;
    int one[1] = {0};
    uint8_t *e = seal(one, 1, (const uint8_t *)"k", 1, &len);
    CHECK(memcmp(e + 2, id, 8) == 0);
    free(e);
}

int main(void)
{
    make_keys();
    RUN(test_round_trips);
    RUN(test_sizes_and_limits);
    RUN(test_tamper_every_byte);
    RUN(test_wrong_recipient_and_aad);
    RUN(test_randomness_from_env);
    RUN(test_key_id);
    return 0;
}
