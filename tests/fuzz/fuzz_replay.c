/* Plain driver for the fuzz targets (no clang needed): runs every file of the corpus through
 * the target, then a bounded number of deterministic mutations of each (bit flips, byte sets,
 * truncations, insertions, splices of two files). The unit suite runs it; `make fuzz` runs the
 * libFuzzer builds of the same targets for millions of executions.
 *
 *   fuzz_replay_<target> [-m MUTATIONS_PER_FILE] [DIR|FILE]...   (default: the target's corpus)
 *
 * Exit 0 when every input ran and at least one corpus file was accepted by the target; an
 * invariant or memory error aborts. */
#define _DEFAULT_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 512
#define INPUT_MAX (256 * 1024)

typedef struct input {
    uint8_t *data;
    size_t len;
} input_t;

static input_t inputs[MAX_FILES];
static size_t n_inputs;

static void load_file(const char *path)
{
    if (n_inputs == MAX_FILES) {
        fprintf(stderr, "fuzz_replay: more than %d inputs at %s\n", MAX_FILES, path);
        exit(1);
    }
    FILE *f = fopen(path, "rb");
    uint8_t *buf = f ? malloc(INPUT_MAX) : NULL;
    if (!buf) {
        fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
        exit(1);
    }
    size_t len = fread(buf, 1, INPUT_MAX, f);
    fclose(f);
    inputs[n_inputs++] = (input_t){buf, len};
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order, so every run mutates the same inputs the same way. */
static void load_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz_replay: no such corpus: %s\n", path);
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        load_file(path);
        return;
    }
    DIR *d = opendir(path);
    char *names[MAX_FILES];
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < MAX_FILES)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        load_file(file);
        free(names[i]);
    }
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* One mutation of inputs[i] into buf (capacity INPUT_MAX); returns its length. */
static size_t mutate(size_t i, uint8_t *buf)
{
    const input_t *in = &inputs[i];
    size_t len = in->len;
    memcpy(buf, in->data, len);
    unsigned rounds = 1 + (unsigned)(next() % 4);
    for (unsigned r = 0; r < rounds; r++) {
        size_t pos = len ? (size_t)(next() % len) : 0;
        switch (next() % 6) {
        case 0:
            if (len)
                buf[pos] ^= (uint8_t)(1u << (next() % 8));
            break;
        case 1:
            if (len)
                buf[pos] = (uint8_t)next();
            break;
        case 2: len = pos; break;
        case 3:
            if (len < INPUT_MAX) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = (uint8_t)next();
                len++;
            }
            break;
        case 4: { /* interesting bytes: msgpack headers and boundaries */
            static const uint8_t vals[] = {0x00, 0x7f, 0x80, 0xff, 0xc4, 0xd9, 0xdc, 0xdd, 0x9b};
            if (len)
                buf[pos] = vals[next() % sizeof vals];
            break;
        }
        default: { /* splice: our head, another input's tail */
            const input_t *o = &inputs[next() % n_inputs];
            size_t from = o->len ? (size_t)(next() % o->len) : 0;
            size_t take = o->len - from;
            if (pos + take > INPUT_MAX)
                take = INPUT_MAX - pos;
            memcpy(buf + pos, o->data + from, take);
            len = pos + take;
        }
        }
    }
    return len;
}

int main(int argc, char **argv)
{
    long per_file = 1000;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "-m") == 0) {
        per_file = strtol(argv[a + 1], NULL, 10);
        a += 2;
    }
    if (a == argc)
        load_path(FUZZ_CORPUS);
    for (; a < argc; a++)
        load_path(argv[a]);
    if (n_inputs == 0) {
        fprintf(stderr, "fuzz_replay: empty corpus\n");
        return 1;
    }
    for (size_t i = 0; i < n_inputs; i++)
        LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].len);
    unsigned long corpus_accepted = fuzz_accepted;
    uint8_t *buf = malloc(INPUT_MAX);
    unsigned long runs = n_inputs;
    for (size_t i = 0; buf && i < n_inputs; i++)
        for (long m = 0; m < per_file; m++, runs++)
            LLVMFuzzerTestOneInput(buf, mutate(i, buf));
    free(buf);
    for (size_t i = 0; i < n_inputs; i++)
        free(inputs[i].data);
    printf("fuzz_replay %s: %zu corpus files (%lu accepted), %lu runs, %lu accepted in all\n",
           FUZZ_TARGET, n_inputs, corpus_accepted, runs, fuzz_accepted);
    if (corpus_accepted == 0) {
        fprintf(stderr, "fuzz_replay: the target accepts none of its corpus; regenerate it "
                        "(tests/fuzz/README.md)\n");
        return 1;
    }
    return 0;
}
