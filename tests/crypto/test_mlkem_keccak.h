/* A streaming SHAKE128 squeezer for the accumulated test: OpenSSL 3.0 cannot squeeze
 * incrementally, and the N = 1,000,000 run needs 864 MB of one output stream. Written for
 * this test from the FIPS 202 description; checked against OpenSSL in the test. */
#ifndef DNASYNC_TEST_MLKEM_KECCAK_H
#define DNASYNC_TEST_MLKEM_KECCAK_H

#include <stddef.h>
#include <stdint.h>

typedef struct shake128_stream {
    uint64_t s[25];
    uint8_t block[168];
    size_t pos; /* bytes of block already handed out */
} shake128_stream;

/* Absorbs in[0..len) (one shot) and prepares squeezing. */
void shake128_stream_init(shake128_stream *st, const uint8_t *in, size_t len);
void shake128_stream_read(shake128_stream *st, uint8_t *out, size_t len);

#endif
