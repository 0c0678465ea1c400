/* The one JSON string escaper (see json.h). */
#include "common/json.h"
#include "common/utf8.h"

#include <stdint.h>

void dnasync_json_write_string(FILE *out, const char *str)
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
            uint32_t cp;
            size_t n = dnasync_utf8_decode(s, SIZE_MAX, &cp);
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
