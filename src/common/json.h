/* Internal: the one JSON string escaper, used by the CLI's JSON lines and the cache's stored
 * participant lists (the daemon and the gateway build JSON with jansson). */
#ifndef DNASYNC_COMMON_JSON_H
#define DNASYNC_COMMON_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal (quotes included): '"' and '\' escaped, \n \r \t by name,
 * other control characters and DEL as \u00XX, invalid UTF-8 bytes as \ufffd. */
void dnasync_json_write_string(FILE *out, const char *s);

#endif
