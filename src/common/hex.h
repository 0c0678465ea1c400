/* Internal: lowercase hex encoding. */
#ifndef DNASYNC_COMMON_HEX_H
#define DNASYNC_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex chars and a NUL to out (size >= 2*len+1). */
void dnasync_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decodes exactly 2*len hex chars (either case) from in; 0 ok, -1 on a non-hex char
 * or a string whose length is not 2*len. */
int dnasync_hex_decode(const char *in, uint8_t *out, size_t len);

#endif
