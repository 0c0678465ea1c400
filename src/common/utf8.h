/* Internal: the one UTF-8 decoder (names, JSON escaping, terminal escaping). */
#ifndef DNASYNC_COMMON_UTF8_H
#define DNASYNC_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s, reading at most `avail` bytes (SIZE_MAX for a NUL-terminated
 * string: a NUL is never a continuation byte, so decoding stops there). Returns the sequence's
 * length (1..4) and sets *cp, or returns 0 for an invalid, overlong, surrogate or
 * out-of-range sequence. */
size_t dnasync_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

#endif
