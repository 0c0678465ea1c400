/* The named steps of an upload where a crash matters (docs/sync.md, "The outbox"). The library
 * does nothing here: the crash tests link their own definition into a test-only build of the
 * command (tests/sync/killpoint_hook.c), which dies by SIGKILL at a chosen step. Kept alone in
 * this file so that definition replaces it at link time. */
#include "sync/sync_killpoint.h"

void sync_kill_point(const char *step)
{
    (void)step;
}
