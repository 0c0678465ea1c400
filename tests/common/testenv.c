#define _XOPEN_SOURCE 700
#include "testenv.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t clock_now(void *user)
{
    return ((test_clock_t *)user)->now_ms;
}

/* splitmix64: fast and reproducible; fine for tests, never for keys in production. */
static int clock_random(void *user, uint8_t *out, size_t len)
{
    test_clock_t *c = user;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (c->rng_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

void test_clock_init(test_clock_t *c, uint64_t start_s, uint64_t seed)
{
    c->now_ms = start_s * 1000u;
    c->rng_state = seed;
    c->env.now_ms = clock_now;
    c->env.random_bytes = clock_random;
    c->env.user = c;
}

void test_clock_advance(test_clock_t *c, uint64_t seconds)
{
    c->now_ms += seconds * 1000u;
}

char *test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    if (!path)
        abort();
    snprintf(path, 4096, "%s/dnasync-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        abort();
    }
    return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void test_rmtree(const char *path)
{
    nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}
