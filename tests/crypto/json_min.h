/* Minimal JSON reader for the test vectors: parses a whole document into a tree.
 * Strings keep their bytes; \uXXXX escapes outside ASCII become '?'. Not for production. */
#ifndef DNASYNC_TEST_JSON_MIN_H
#define DNASYNC_TEST_JSON_MIN_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } json_type;

typedef struct json {
    json_type type;
    double num;        /* JSON_NUM; JSON_BOOL: 0 or 1 */
    char *str;         /* JSON_STR (NUL-terminated) */
    size_t len;        /* JSON_ARR / JSON_OBJ: number of children; JSON_STR: byte length */
    struct json *kids; /* children (arrays and objects) */
    char **keys;       /* JSON_OBJ: the key of each child */
} json;

/* Parses text[0..len); NULL on a syntax error. Caller frees with json_free. */
json *json_parse(const char *text, size_t len);
/* Reads and parses a file; NULL on I/O or syntax error. Caller frees with json_free. */
json *json_parse_file(const char *path);
void json_free(json *j);

/* Lookups return borrowed pointers (valid until json_free of the root) or NULL. */
const json *json_get(const json *obj, const char *key);
const json *json_at(const json *arr, size_t i);
/* The string value of obj[key], or NULL if absent or not a string. */
const char *json_get_str(const json *obj, const char *key);
/* The number value of obj[key], or def. */
double json_get_num(const json *obj, const char *key, double def);
/* 1/0 for a boolean obj[key], -1 if absent or not a boolean. */
int json_get_bool(const json *obj, const char *key);

#endif
