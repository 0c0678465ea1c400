#define _POSIX_C_SOURCE 200809L
#include "dnasync/env.h"

#include <openssl/rand.h>
#include <time.h>

static uint64_t real_now_ms(void *user)
{
    (void)user;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int real_random(void *user, uint8_t *out, size_t len)
{
    (void)user;
    /* RAND_bytes takes an int length: feed large requests in chunks. */
    while (len > 0) {
        int n = len > 1 << 20 ? 1 << 20 : (int)len;
        if (RAND_bytes(out, n) != 1)
            return -1;
        out += n;
        len -= (size_t)n;
    }
    return 0;
}

static const dnasync_env_t default_env = {real_now_ms, real_random, NULL};

const dnasync_env_t *dnasync_env_default(void)
{
    return &default_env;
}

uint64_t dnasync_env_now_ms(const dnasync_env_t *env)
{
    if (!env)
        env = &default_env;
    return env->now_ms(env->user);
}

uint64_t dnasync_env_now(const dnasync_env_t *env)
{
    return dnasync_env_now_ms(env) / 1000u;
}

int dnasync_env_random(const dnasync_env_t *env, uint8_t *out, size_t len)
{
    if (!env)
        env = &default_env;
    return env->random_bytes(env->user, out, len);
}
