#include "cli/json.h"

#include "common/json.h"

#include <inttypes.h>
#include <string.h>

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
    dnasync_json_write_string(j->out, k);
    fputc(':', j->out);
}

void json_str(json_line_t *j, const char *k, const char *v)
{
    key(j, k);
    if (v)
        dnasync_json_write_string(j->out, v);
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
