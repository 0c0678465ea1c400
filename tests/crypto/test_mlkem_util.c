#define _POSIX_C_SOURCE 200809L
/* Shared helpers for the ML-KEM vector tests (see test_mlkem_util.h). */
#include "test_mlkem_util.h"

#include <ctype.h>
#include <string.h>

const char *tu_vector_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", DNASYNC_VECTORS_DIR, rel);
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *tu_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2) {
        fprintf(stderr, "odd-length hex string\n");
        exit(1);
    }
    uint8_t *out = malloc(n / 2 + 1);
    if (!out)
        exit(1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex string\n");
            exit(1);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

void tu_unhex_fixed(const char *hex, uint8_t *out, size_t n)
{
    size_t len;
    if (!hex) {
        fprintf(stderr, "missing hex field\n");
        exit(1);
    }
    uint8_t *b = tu_unhex(hex, &len);
    if (len != n) {
        fprintf(stderr, "hex field has %zu bytes, expected %zu\n", len, n);
        exit(1);
    }
    memcpy(out, b, n);
    free(b);
}

int tu_eq_hex(const uint8_t *buf, size_t len, const char *hex)
{
    if (!hex || strlen(hex) != 2 * len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (((hexval(hex[2 * i]) << 4) | hexval(hex[2 * i + 1])) != buf[i])
            return 0;
    return 1;
}

void tu_print_hex(FILE *f, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", buf[i]);
    fputc('\n', f);
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

int tu_kv_load(tu_kv *kv, const char *path)
{
    memset(kv, 0, sizeof *kv);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    /* getline is POSIX; a fixed loop over fgets chunks keeps this C11. */
    char chunk[4096];
    size_t llen = 0;
    while (fgets(chunk, sizeof chunk, f)) {
        size_t cl = strlen(chunk);
        if (llen + cl + 1 > lcap) {
            lcap = (llen + cl + 1) * 2;
            char *nl = realloc(line, lcap);
            if (!nl)
                exit(1);
            line = nl;
        }
        memcpy(line + llen, chunk, cl + 1);
        llen += cl;
        if (cl == 0 || chunk[cl - 1] != '\n')
            if (!feof(f))
                continue;
        llen = 0;
        char *eq = strstr(line, " = ");
        if (!eq)
            continue;
        *eq = 0;
        if (kv->n == cap) {
            cap = cap ? cap * 2 : 64;
            kv->names = realloc(kv->names, cap * sizeof *kv->names);
            kv->values = realloc(kv->values, cap * sizeof *kv->values);
            if (!kv->names || !kv->values)
                exit(1);
        }
        kv->names[kv->n] = strdup(trim(line));
        /* "dkPKE = NTT(s) = hex": the value is what follows the last " = " */
        char *val = eq + 3, *more;
        while ((more = strstr(val, " = ")) != NULL)
            val = more + 3;
        kv->values[kv->n] = strdup(trim(val));
        kv->n++;
    }
    free(line);
    fclose(f);
    return 0;
}

const char *tu_kv_get(const tu_kv *kv, const char *name, int occurrence)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->names[i], name) == 0 && occurrence-- == 0)
            return kv->values[i];
    return NULL;
}

void tu_kv_free(tu_kv *kv)
{
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->names[i]);
        free(kv->values[i]);
    }
    free(kv->names);
    free(kv->values);
    memset(kv, 0, sizeof *kv);
}
