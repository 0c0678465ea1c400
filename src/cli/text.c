#define _POSIX_C_SOURCE 200809L /* localtime_r */
#include "cli/text.h"
#include "common/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

const char *cli_time(int64_t unix_s, char buf[CLI_TIME_LEN])
{
    if (unix_s == 0) {
        strcpy(buf, "never");
        return buf;
    }
    time_t t = (time_t)unix_s;
    struct tm tm;
    char zone[8];
    if (!localtime_r(&t, &tm) || strftime(buf, CLI_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(zone, sizeof zone, "%z", &tm) != 5) {
        snprintf(buf, CLI_TIME_LEN, "@%lld", (long long)unix_s);
        return buf;
    }
    /* %z is +hhmm; ISO-8601 with separators wants +hh:mm */
    size_t n = strlen(buf);
    snprintf(buf + n, CLI_TIME_LEN - n, "%.3s:%.2s", zone, zone + 3);
    return buf;
}

/* Characters that move, hide or reorder text on a terminal. */
static bool unsafe(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

void cli_put_text(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        uint32_t cp = 0;
        size_t n = dnasync_utf8_decode(s, SIZE_MAX, &cp);
        if (n == 0) {
            fprintf(out, "\\x%02x", *s);
            s++;
            continue;
        }
        if (cp == '\\')
            fputs("\\\\", out);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp == '\r')
            fputs("\\r", out);
        else if (cp < 0x80 && unsafe(cp))
            fprintf(out, "\\x%02x", cp);
        else if (unsafe(cp))
            fprintf(out, "\\u%04x", cp);
        else
            fwrite(s, 1, n, out);
        s += n;
    }
}
