/* The environment: every source of time and randomness dnasync uses goes through this
 * struct, so tests can jump days without sleeping and replay deterministic runs
 * (the same idea as c-toxcore's Tox_System). */
#ifndef DNASYNC_ENV_H
#define DNASYNC_ENV_H

#include "dnasync/export.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds in a UTC day: the unit of DHT upload days (dht_upload_day) and of every day number
 * in the API. The one definition; never write the literal. */
#define DNASYNC_DAY_S 86400

typedef struct dnasync_env {
    /* Wall-clock time in milliseconds since the Unix epoch (UTC). */
    uint64_t (*now_ms)(void *user);
    /* Fill out[0..len) with cryptographically secure random bytes; 0 on success. */
    int (*random_bytes)(void *user, uint8_t *out, size_t len);
    void *user;
} dnasync_env_t;

/* The real clock (CLOCK_REALTIME) and OpenSSL's RAND_bytes. Static storage; never NULL. */
DNASYNC_API const dnasync_env_t *dnasync_env_default(void);

/* Convenience wrappers; env NULL means the default environment. */
DNASYNC_API uint64_t dnasync_env_now_ms(const dnasync_env_t *env);
DNASYNC_API uint64_t dnasync_env_now(const dnasync_env_t *env); /* seconds */
DNASYNC_API int dnasync_env_random(const dnasync_env_t *env, uint8_t *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif
