#include "cli/json.h"

#include <inttypes.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        n = 2, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        n = 3, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void json_write_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc((int)c, out);
            s++;
        } else if (c == '\n') {
            fputs("\\n", out), s++;
        } else if (c == '\r') {
            fputs("\\r", out), s++;
        } else if (c == '\t') {
            fputs("\\t", out), s++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c), s++;
        } else {
            size_t n = utf8_seq(s);
            if (n == 0) {
                fputs("\\ufffd", out), s++;
            } else {
                fwrite(s, 1, n, out);
                s += n;
            }
        }
    }
    fputc('"', out);
}

void json_begin(json_line_t *j, FILE *out)
{
    j->out = out;
    j->first = true;
    fputc('{', out);
}

static void key(json_line_t *j, const char *k)
{
    if (!j->first)
        fputc(',', j->out);
    j->first = false;
    json_write_string(j->out, k);
    fputc(':', j->out);
}

void json_str(json_line_t *j, const char *k, const char *v)
{
    key(j, k);
    if (v)
        json_write_string(j->out, v);
    else
        fputs("null", j->out);
}

void json_int(json_line_t *j, const char *k, int64_t v)
{
    key(j, k);
    fprintf(j->out, "%" PRId64, v);
}

void json_uint(json_line_t *j, const char *k, uint64_t v)
{
    key(j, k);
    fprintf(j->out, "%" PRIu64, v);
}

void json_bool(json_line_t *j, const char *k, bool v)
{
    key(j, k);
    fputs(v ? "true" : "false", j->out);
}

void json_raw(json_line_t *j, const char *k, const char *raw)
{
    key(j, k);
    fputs(raw, j->out);
}

void json_end(json_line_t *j)
{
    fputs("}\n", j->out);
    fflush(j->out);
}
