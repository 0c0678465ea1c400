/* Internal: writing one JSON object per line. */
#ifndef DNASYNC_CLI_JSON_H
#define DNASYNC_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_line {
    FILE *out;
    bool first;
} json_line_t;

void json_begin(json_line_t *j, FILE *out);
void json_str(json_line_t *j, const char *key, const char *value); /* NULL value -> null */
void json_int(json_line_t *j, const char *key, int64_t value);
void json_uint(json_line_t *j, const char *key, uint64_t value);
void json_bool(json_line_t *j, const char *key, bool value);
/* A raw, already valid JSON value (array/object). */
void json_raw(json_line_t *j, const char *key, const char *raw);
void json_end(json_line_t *j); /* "}\n" and flush */

#endif
