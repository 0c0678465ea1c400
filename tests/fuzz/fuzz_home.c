/* A scratch home directory for the targets that read files (created once per process, removed
 * at exit). */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_home.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char home[256];

static void remove_home(void)
{
    char path[300];
    static const char *const files[] = {"identity", "config", "device_id"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", home, files[i]);
        unlink(path);
    }
    rmdir(home);
}

const char *fuzz_home(void)
{
    if (!home[0]) {
        /* tmpfs when there is one: a file per input runs ~50 times faster there than on disk */
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
            tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(home, sizeof home, "%s/dnasync-fuzz-XXXXXX", tmp);
        if (!mkdtemp(home)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_home);
    }
    return home;
}
