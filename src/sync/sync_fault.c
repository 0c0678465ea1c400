/* Fault injection for the tests that prove crash safety and gap repair. Read once from the
 * DNASYNC_FAULT environment variable (comma-separated): nothing happens unless it is set.
 *   crash-after-put  die by SIGKILL after the DHT confirmed a message put, before the cache
 *                    marks it synced (the worst moment for a crash)
 *   drop-fetch[:N]   the first N shard reads (id listings or whole-key gets, default 1) this
 *                    process makes each lose one value, as when the answering nodes lack it */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_fault.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static unsigned faults;
static unsigned drops_left; /* drop-fetch budget, under mu */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void load(void)
{
    const char *v = getenv("DNASYNC_FAULT");
    if (!v)
        return;
    if (strstr(v, "crash-after-put"))
        faults |= SYNC_FAULT_CRASH_AFTER_PUT;
    const char *d = strstr(v, "drop-fetch");
    if (d) {
        faults |= SYNC_FAULT_DROP_FETCH;
        drops_left = d[10] == ':' ? (unsigned)strtoul(d + 11, NULL, 10) : 1;
    }
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

bool sync_fault_drop(void)
{
    if (!sync_fault(SYNC_FAULT_DROP_FETCH))
        return false;
    pthread_mutex_lock(&mu);
    bool drop = drops_left > 0;
    if (drop)
        drops_left--;
    pthread_mutex_unlock(&mu);
    return drop;
}
