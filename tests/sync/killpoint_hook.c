/* Test-only definition of sync_kill_point, linked into dnasync_killable (never into the shipped
 * library or command): DNASYNC_KILL_AT=STEP[:N] dies by SIGKILL the N-th time (default 1) the
 * upload path reaches STEP. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_killpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void sync_kill_point(const char *step)
{
    static int reached;
    const char *at = getenv("DNASYNC_KILL_AT");
    size_t n = strlen(step);
    if (!at || strncmp(at, step, n) != 0 || (at[n] != '\0' && at[n] != ':'))
        return;
    long want = at[n] == ':' ? strtol(at + n + 1, NULL, 10) : 1;
    if (++reached >= want)
        raise(SIGKILL);
}
