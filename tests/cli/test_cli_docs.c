/* One source for the command line (issue 11 item 5): the man pages, the bash completion and
 * the README's command table list exactly the commands and options --help lists. The man
 * pages and the completion checked are the files the build generated (and installs). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 64
#define ITEM_LEN 64

typedef struct list {
    char item[MAX_ITEMS][ITEM_LEN];
    int n;
} list_t;

static void add(list_t *l, const char *s, size_t len)
{
    CHECK(l->n < MAX_ITEMS && len < ITEM_LEN);
    memcpy(l->item[l->n], s, len);
    l->item[l->n][len] = '\0';
    l->n++;
}

static int has(const list_t *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->item[i], s) == 0)
            return 1;
    return 0;
}

/* Same items, any order; names what differs. */
static void same(const char *what, const list_t *a, const char *an, const list_t *b, const char *bn)
{
    int ok = a->n == b->n;
    for (int i = 0; i < a->n; i++)
        if (!has(b, a->item[i])) {
            fprintf(stderr, "%s: '%s' in %s, not in %s\n", what, a->item[i], an, bn);
            ok = 0;
        }
    for (int i = 0; i < b->n; i++)
        if (!has(a, b->item[i])) {
            fprintf(stderr, "%s: '%s' in %s, not in %s\n", what, b->item[i], bn, an);
            ok = 0;
        }
    CHECK(ok);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fprintf(stderr, "cannot read %s\n", path);
    CHECK(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static char *built(const char *name)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s", cli_path());
    char *slash = strrchr(path, '/');
    CHECK(slash);
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "%s", name);
    return slurp(path);
}

/* Option names of a help "options:" block: "  -h, --help  ..." gives -h and --help. */
static void help_options(const char *text, const char *heading, list_t *out)
{
    const char *p = strstr(text, heading);
    CHECK(p);
    p = strchr(p, '\n') + 1;
    while (strncmp(p, "  -", 3) == 0) {
        const char *w = p + 2;
        size_t len = strcspn(w, " ,\n");
        add(out, w, len);
        if (w[len] == ',') {
            w += len + 2;
            add(out, w, strcspn(w, " \n"));
        }
        p = strchr(p, '\n') + 1;
    }
}

static void help_commands(const char *text, list_t *out)
{
    const char *p = strstr(text, "commands:\n");
    CHECK(p);
    p += 10;
    while (strncmp(p, "  ", 2) == 0) {
        add(out, p + 2, strcspn(p + 2, " \n"));
        p = strchr(p, '\n') + 1;
    }
}

/* Options of the man page's ".TP/.B" entries between from and to (NULL: the end). */
static void man_options(const char *from, const char *to, list_t *out)
{
    for (const char *p = from; (p = strstr(p, ".TP\n.B ")) && (!to || p < to); p++) {
        char line[256], clean[256];
        const char *s = p + 7;
        size_t len = strcspn(s, "\n");
        CHECK(len < sizeof line);
        memcpy(line, s, len);
        line[len] = '\0';
        size_t k = 0;
        for (size_t i = 0; line[i]; i++) /* \- is a minus in roff */
            if (!(line[i] == '\\' && line[i + 1] == '-'))
                clean[k++] = line[i];
        clean[k] = '\0';
        size_t w = strcspn(clean, " ,");
        add(out, clean, w);
        if (clean[w] == ',')
            add(out, clean + w + 2, strcspn(clean + w + 2, " "));
    }
}

static void words_of(const char *s, size_t len, const list_t *globals, list_t *out)
{
    char buf[2048];
    CHECK(len < sizeof buf);
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (strcmp(w, "$globals") == 0)
            for (int i = 0; i < globals->n; i++)
                add(out, globals->item[i], strlen(globals->item[i]));
        else
            add(out, w, strlen(w));
    }
}

/* The completion's word list after `key="` (up to the closing quote). */
static void completion_words(const char *text, const char *key, const list_t *globals, list_t *out)
{
    const char *p = strstr(text, key);
    if (!p)
        fprintf(stderr, "completion has no %s\n", key);
    CHECK(p);
    p += strlen(key);
    words_of(p, strcspn(p, "\""), globals, out);
}

int main(void)
{
    proc_result_t top = cli_run(NULL, 0, "--help", (char *)NULL);
    CHECK_EQ_INT(top.exit_code, 0);
    list_t commands = {0}, globals = {0};
    help_commands(top.out, &commands);
    help_options(top.out, "global options:\n", &globals);
    CHECK(commands.n >= 10 && has(&commands, "inbox") && has(&globals, "--json"));
    char *man = built("dnasync.1"), *node_man = built("dnasync-node.1");
    char *comp = built("dnasync.bash-completion"), *readme = NULL;

    /* the files are what the binary generates now (the build step ran this binary) */
    const char *what[3] = {"man", "node-man", "completion"};
    char *file[3] = {man, node_man, comp};
    for (int i = 0; i < 3; i++) {
        proc_result_t g = cli_run(NULL, 0, "--generate", what[i], (char *)NULL);
        CHECK_EQ_INT(g.exit_code, 0);
        CHECK_EQ_STR(g.out, file[i]);
        proc_result_free(&g);
    }

    /* global options: man page and completion */
    const char *g_from = strstr(man, ".SH GLOBAL OPTIONS\n"), *g_to = strstr(man, ".SH COMMANDS");
    CHECK(g_from && g_to);
    list_t man_globals = {0}, comp_globals = {0}, comp_commands = {0}, none = {0};
    man_options(g_from, g_to, &man_globals);
    same("global options", &globals, "--help", &man_globals, "dnasync.1");
    completion_words(comp, "local globals=\"", &none, &comp_globals);
    same("global options", &globals, "--help", &comp_globals, "completion");
    completion_words(comp, "local commands=\"", &none, &comp_commands);
    same("commands", &commands, "--help", &comp_commands, "completion");

    /* the README's table: one row per command, its first cell the command's usage line */
    readme = slurp(DNASYNC_SOURCE_DIR "/README.md");
    const char *sec = strstr(readme, "## The command line");
    CHECK(sec);
    const char *sec_end = strstr(sec + 1, "\n## ");
    CHECK(sec_end);
    for (int i = 0; i < globals.n; i++) { /* the synopsis line names every global option */
        const char *o = globals.item[i];
        const char *at = strstr(sec, o);
        if (o[1] != '-')
            continue; /* -h: --help stands for it */
        if (!at || at > sec_end)
            fprintf(stderr, "README's command line section does not name %s\n", o);
        CHECK(at && at < sec_end);
    }
    list_t readme_commands = {0};
    for (const char *p = sec; (p = strstr(p, "\n| `")) && p < sec_end; p++)
        add(&readme_commands, p + 4, strcspn(p + 4, " `"));
    same("commands", &commands, "--help", &readme_commands, "README");

    for (int c = 0; c < commands.n; c++) {
        const char *name = commands.item[c];
        proc_result_t h = cli_run(NULL, 0, "help", name, (char *)NULL);
        CHECK_EQ_INT(h.exit_code, 0);
        list_t own = {0}, man_own = {0}, comp_own = {0};
        help_options(h.out, "options:\n", &own);
        char row[512] = "\n| `";
        CHECK(strncmp(h.out, "usage: dnasync ", 15) == 0);
        size_t k = strlen(row);
        for (const char *u = h.out + 15; *u && *u != '\n' && k < sizeof row - 8; u++) {
            if (*u == '|') /* a markdown table cell writes | as \| */
                row[k++] = '\\';
            row[k++] = *u;
        }
        memcpy(row + k, "` |", 4);
        const char *at = strstr(sec, row);
        if (!at || at > sec_end)
            fprintf(stderr, "README has no row starting %s\n", row + 1);
        CHECK(at && at < sec_end);

        /* man: the command's section (node: its own page) */
        if (strcmp(name, "node") == 0) {
            man_options(strstr(node_man, ".SH OPTIONS"), NULL, &man_own);
        } else {
            char head[128] = ".SS \"dnasync ";
            for (const char *n = name; *n; n++) /* roff writes a minus as \- */
                strncat(head, *n == '-' ? "\\-" : (char[]){*n, 0}, sizeof head - strlen(head) - 1);
            const char *from = strstr(man, head);
            if (!from)
                fprintf(stderr, "dnasync.1 has no section for %s\n", name);
            CHECK(from);
            const char *to = strstr(from + 1, ".SS ");
            if (!to)
                to = strstr(from, ".SH ");
            man_options(from, to, &man_own);
            for (int i = 0; i < globals.n; i++) /* --help lists -h/--help per command */
                if (has(&own, globals.item[i]) && !has(&man_own, globals.item[i]))
                    add(&man_own, globals.item[i], strlen(globals.item[i]));
        }
        if (strcmp(name, "node") == 0) {
            add(&man_own, "-h", 2);
            add(&man_own, "--help", 6);
        }
        same(name, &own, "--help", &man_own, "man page");

        /* completion: the command's own options, plus the globals (node: only its own) */
        char key[128];
        snprintf(key, sizeof key, "\n    %s) opts=\"", name);
        completion_words(comp, key, &globals, &comp_own);
        list_t expect = {0};
        for (int i = 0; i < own.n; i++)
            add(&expect, own.item[i], strlen(own.item[i]));
        if (strcmp(name, "node") != 0)
            for (int i = 0; i < globals.n; i++)
                if (!has(&expect, globals.item[i]))
                    add(&expect, globals.item[i], strlen(globals.item[i]));
        same(name, &expect, "--help", &comp_own, "completion");
        proc_result_free(&h);
    }
    proc_result_free(&top);
    free(man);
    free(node_man);
    free(comp);
    free(readme);
    return 0;
}
