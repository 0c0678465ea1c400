/* Identity names: the one rule every layer applies (CLI arguments, identity records, cache).
 *
 * A valid name is 1..64 bytes (DNASYNC_NAME_MAX) of strictly valid UTF-8:
 *  - no overlong encodings, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 *    sequences, no stray continuation bytes;
 *  - no control characters: C0 (U+0000..U+001F), DEL (U+007F), C1 (U+0080..U+009F);
 *  - no '/' and no ':' (they separate fields in keys and paths), no '#' (it separates a name
 *    from a key fingerprint in a contact address, "carol#8af99795": sync/contacts.h);
 *  - no leading or trailing whitespace (U+0020 and the Unicode White_Space characters U+00A0,
 *    U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
 * Inner spaces and other printable characters (quotes included) are allowed. */
#ifndef DNASYNC_NAMES_H
#define DNASYNC_NAMES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0 if name is valid, else DNASYNC_EINVAL with one line in errbuf (may be NULL) saying exactly
 * what is wrong, e.g. "name is 70 bytes, the limit is 64", "name is not valid UTF-8 at byte 3".
 * Byte positions in messages count from 1 (the first byte is byte 1). NULL name → EINVAL. */
int dnasync_name_check(const char *name, char *errbuf, size_t errlen);

/* Same rule for a buffer of len bytes that may contain NUL (rejected: "name contains NUL at
 * byte N"), e.g. a name decoded from the network. */
int dnasync_name_check_n(const char *name, size_t len, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
