/* Internal: RFC 4648 base32 (alphabet A-Z 2-7), no padding. */
#ifndef DNASYNC_CRYPTO_BASE32_H
#define DNASYNC_CRYPTO_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode len bytes (without the NUL). */
#define DNASYNC_BASE32_LEN(len) (((len)*8u + 4u) / 5u)

/* Writes DNASYNC_BASE32_LEN(len) uppercase characters and a NUL to out. */
void dnasync_base32_encode(const uint8_t *in, size_t len, char *out);

/* Decodes in (either case; '-', ' ', tab, CR and LF are skipped) into out[0..cap).
 * Returns the number of bytes, or -1 with *bad_pos set to the offset of an invalid character,
 * or -2 when the data does not fit in cap or has non-zero trailing bits / an impossible length. */
long dnasync_base32_decode(const char *in, uint8_t *out, size_t cap, size_t *bad_pos);

#endif
