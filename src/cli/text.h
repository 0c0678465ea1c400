/* Internal: text for a person's terminal (times, untrusted strings). JSON output never uses
 * these: it carries the exact text, JSON-escaped (json.h). */
#ifndef DNASYNC_CLI_TEXT_H
#define DNASYNC_CLI_TEXT_H

#include <stdint.h>
#include <stdio.h>

#define CLI_TIME_LEN 32

/* Unix seconds as ISO-8601 local time with its offset ("2026-12-01T23:05:09+01:00");
 * 0 as "never". Returns buf. */
const char *cli_time(int64_t unix_s, char buf[CLI_TIME_LEN]);

/* Writes untrusted text (message text, names from the network) so that it cannot drive the
 * terminal: C0/C1 controls, DEL, bidi overrides and isolates (U+202A..202E, U+2066..2069),
 * marks (U+061C, U+200E, U+200F), zero-width and line/paragraph separators, U+FEFF and
 * invalid UTF-8 are written as visible escapes (\n, \t, \x1b, \u202e); a backslash as \\. */
void cli_put_text(FILE *out, const char *s);

#endif
