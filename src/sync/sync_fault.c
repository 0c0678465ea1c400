/* Fault injection for the tests that prove crash safety and gap repair. Read once from the
 * DNASYNC_FAULT environment variable (comma-separated): nothing happens unless it is set.
 *   crash-after-put  die by SIGKILL after the DHT confirmed a message put, before the cache
 *                    marks it synced (the worst moment for a crash)
 *   drop-fetch       the first id listing this process makes loses one id (an incomplete read) */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_fault.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static unsigned faults;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    const char *v = getenv("DNASYNC_FAULT");
    if (!v)
        return;
    if (strstr(v, "crash-after-put"))
        faults |= SYNC_FAULT_CRASH_AFTER_PUT;
    if (strstr(v, "drop-fetch"))
        faults |= SYNC_FAULT_DROP_FETCH;
}

bool sync_fault(unsigned fault)
{
    pthread_once(&once, load);
    return (faults & fault) != 0;
}

void sync_fault_crash_point(void)
{
    if (sync_fault(SYNC_FAULT_CRASH_AFTER_PUT))
        raise(SIGKILL);
}

bool sync_fault_once(unsigned fault)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static unsigned used;
    if (!sync_fault(fault))
        return false;
    pthread_mutex_lock(&mu);
    bool first = (used & fault) == 0;
    used |= fault;
    pthread_mutex_unlock(&mu);
    return first;
}
