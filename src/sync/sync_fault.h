/* Internal: fault injection points (see sync_fault.c). */
#ifndef DNASYNC_SYNC_FAULT_H
#define DNASYNC_SYNC_FAULT_H

#include <stdbool.h>

enum { SYNC_FAULT_CRASH_AFTER_PUT = 1, SYNC_FAULT_DROP_FETCH = 2 };

bool sync_fault(unsigned fault);
/* True while the drop-fetch budget lasts. */
bool sync_fault_drop(void);
/* Dies here when crash-after-put is set. */
void sync_fault_crash_point(void);

#endif
