/* Minimal recursive-descent JSON reader (see json_min.h). */
#include "json_min.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    int depth;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static void free_node(json *j);

static int parse_value(parser *ps, json *out);

static int parse_string(parser *ps, char **out, size_t *outlen)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return -1;
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return -1;
    while (ps->p < ps->end && *ps->p != '"') {
        char ch = *ps->p++;
        if (ch == '\\') {
            if (ps->p >= ps->end)
                break;
            char e = *ps->p++;
            switch (e) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'u': {
                if (ps->end - ps->p < 4) {
                    free(s);
                    return -1;
                }
                char hex[5] = {ps->p[0], ps->p[1], ps->p[2], ps->p[3], 0};
                long v = strtol(hex, NULL, 16);
                ps->p += 4;
                ch = v < 0x80 ? (char)v : '?';
                break;
            }
            default: ch = e; break; /* \" \\ \/ */
            }
        }
        if (n + 1 >= cap) {
            cap *= 2;
            char *ns = realloc(s, cap);
            if (!ns) {
                free(s);
                return -1;
            }
            s = ns;
        }
        s[n++] = ch;
    }
    if (ps->p >= ps->end) {
        free(s);
        return -1;
    }
    ps->p++; /* closing quote */
    s[n] = 0;
    *out = s;
    *outlen = n;
    return 0;
}

/* Appends a child (and key) to an array/object node, growing the arrays. */
static int push_child(json *node, size_t *cap, const json *kid, char *key)
{
    if (node->len == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        json *nk = realloc(node->kids, nc * sizeof *nk);
        if (!nk)
            return -1;
        node->kids = nk;
        if (node->type == JSON_OBJ) {
            char **nkeys = realloc(node->keys, nc * sizeof *nkeys);
            if (!nkeys)
                return -1;
            node->keys = nkeys;
        }
        *cap = nc;
    }
    node->kids[node->len] = *kid;
    if (node->type == JSON_OBJ)
        node->keys[node->len] = key;
    node->len++;
    return 0;
}

static int parse_container(parser *ps, json *out, char close)
{
    size_t cap = 0;
    ps->p++; /* [ or { */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        json kid;
        memset(&kid, 0, sizeof kid);
        skip_ws(ps);
        if (out->type == JSON_OBJ) {
            size_t kl;
            if (parse_string(ps, &key, &kl) != 0)
                return -1;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return -1;
            }
            ps->p++;
        }
        if (parse_value(ps, &kid) != 0 || push_child(out, &cap, &kid, key) != 0) {
            free(key);
            free_node(&kid);
            return -1;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 0;
        }
        return -1;
    }
}

static int parse_value(parser *ps, json *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(ps);
    if (ps->p >= ps->end || ps->depth > 64)
        return -1;
    char ch = *ps->p;
    if (ch == '{' || ch == '[') {
        out->type = ch == '{' ? JSON_OBJ : JSON_ARR;
        ps->depth++;
        int rc = parse_container(ps, out, ch == '{' ? '}' : ']');
        ps->depth--;
        return rc;
    }
    if (ch == '"') {
        out->type = JSON_STR;
        return parse_string(ps, &out->str, &out->len);
    }
    size_t rest = (size_t)(ps->end - ps->p);
    if (rest >= 4 && memcmp(ps->p, "true", 4) == 0) {
        out->type = JSON_BOOL;
        out->num = 1;
        ps->p += 4;
        return 0;
    }
    if (rest >= 5 && memcmp(ps->p, "false", 5) == 0) {
        out->type = JSON_BOOL;
        ps->p += 5;
        return 0;
    }
    if (rest >= 4 && memcmp(ps->p, "null", 4) == 0) {
        out->type = JSON_NULL;
        ps->p += 4;
        return 0;
    }
    /* number: copy the token so strtod cannot run past the buffer */
    char tok[64];
    size_t n = 0;
    while (ps->p + n < ps->end && n < sizeof tok - 1 && strchr("+-0123456789.eE", ps->p[n]))
        n++;
    if (n == 0)
        return -1;
    memcpy(tok, ps->p, n);
    tok[n] = 0;
    out->type = JSON_NUM;
    out->num = strtod(tok, NULL);
    ps->p += n;
    return 0;
}

json *json_parse(const char *text, size_t len)
{
    parser ps = {text, text + len, 0};
    json *root = calloc(1, sizeof *root);
    if (!root)
        return NULL;
    if (parse_value(&ps, root) != 0) {
        json_free(root);
        return NULL;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        json_free(root);
        return NULL;
    }
    return root;
}

json *json_parse_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    json *j = json_parse(buf, n);
    free(buf);
    return j;
}

static void free_node(json *j)
{
    for (size_t i = 0; i < j->len && (j->type == JSON_ARR || j->type == JSON_OBJ); i++) {
        free_node(&j->kids[i]);
        if (j->type == JSON_OBJ)
            free(j->keys[i]);
    }
    free(j->kids);
    free(j->keys);
    free(j->str);
}

void json_free(json *j)
{
    if (!j)
        return;
    free_node(j);
    free(j);
}

const json *json_get(const json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->kids[i];
    return NULL;
}

const json *json_at(const json *arr, size_t i)
{
    if (!arr || (arr->type != JSON_ARR && arr->type != JSON_OBJ) || i >= arr->len)
        return NULL;
    return &arr->kids[i];
}

const char *json_get_str(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == JSON_STR ? v->str : NULL;
}

double json_get_num(const json *obj, const char *key, double def)
{
    const json *v = json_get(obj, key);
    return v && v->type == JSON_NUM ? v->num : def;
}

int json_get_bool(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == JSON_BOOL ? (int)v->num : -1;
}
