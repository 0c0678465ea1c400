/* Test helpers: a controllable clock with deterministic randomness, temp homes. */
#ifndef DNASYNC_TEST_ENV_H
#define DNASYNC_TEST_ENV_H

#include "dnasync/env.h"

typedef struct test_clock {
    uint64_t now_ms;    /* what now_ms() returns; tests move it freely */
    uint64_t rng_state; /* deterministic "randomness" (NOT secure; tests only) */
    dnasync_env_t env;  /* points back at this struct */
} test_clock_t;

/* Start at `start_s` seconds since the epoch; randomness seeded with `seed`. */
void test_clock_init(test_clock_t *c, uint64_t start_s, uint64_t seed);
void test_clock_advance(test_clock_t *c, uint64_t seconds);

/* Create a fresh empty directory under $TMPDIR (or /tmp); returns a malloc'd path. */
char *test_tmpdir(const char *tag);
/* rm -rf the directory (bounded depth walk, no shell). */
void test_rmtree(const char *path);

#endif
