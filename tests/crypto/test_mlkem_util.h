/* Shared helpers for the ML-KEM vector tests: vector paths, hex, text vector files. */
#ifndef DNASYNC_TEST_MLKEM_UTIL_H
#define DNASYNC_TEST_MLKEM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Fails the test with the vector's file and id. */
#define VCHECK(cond, file, id)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: %s vector %ld: CHECK failed: %s\n", __FILE__, __LINE__,        \
                    (file), (long)(id), #cond);                                                    \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* DNASYNC_VECTORS_DIR "/" rel (tests/vectors), in a static buffer (valid until the next call). */
const char *tu_vector_path(const char *rel);

/* Hex (either case) -> malloc'd bytes; *len gets the byte count. NULL on bad hex (exits). */
uint8_t *tu_unhex(const char *hex, size_t *len);
/* Hex of exactly n bytes into out; exits if the length differs. */
void tu_unhex_fixed(const char *hex, uint8_t *out, size_t n);
/* 1 if buf[0..len) equals the hex string (either case). */
int tu_eq_hex(const uint8_t *buf, size_t len, const char *hex);
/* Prints buf as lowercase hex followed by a newline. */
void tu_print_hex(FILE *f, const uint8_t *buf, size_t len);

/* "name = value" text files (CCTV). Loads all lines; tu_kv_get returns the value of the
 * occurrence-th line (0-based) named name, or NULL. Borrowed until tu_kv_free. */
typedef struct tu_kv {
    size_t n;
    char **names, **values;
} tu_kv;
int tu_kv_load(tu_kv *kv, const char *path);
const char *tu_kv_get(const tu_kv *kv, const char *name, int occurrence);
void tu_kv_free(tu_kv *kv);

#endif
