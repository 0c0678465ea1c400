/* Internal: the known writers of a mailbox (issue 10, D5): (signing key, device) pairs whose
 * summaries this device read and whose key it holds values of (this identity's devices, and
 * contacts whose messages it accepted). When a day's summary key cannot be trusted to show
 * everything (failed, flooded, or a held key's summary missing), their summaries are asked for
 * by value id, which a storing node answers with that value alone, however full the key. */
#ifndef DNASYNC_SYNC_WRITERS_H
#define DNASYNC_SYNC_WRITERS_H

#include "sync/sync_context.h"

#define SYNC_KNOWN_WRITERS 64 /* per mailbox, the most recently seen */

/* Remember that writer (16 bytes) signed by author (32) wrote into mailbox on day. */
int sync_writers_note(sync_context_t *ctx, const char *mailbox, int64_t day,
                      const uint8_t author[32], const uint8_t writer[16]);
/* The summary value ids of mailbox's known writers (this device first) for day, at most max. */
int sync_writers_ids(sync_context_t *ctx, const char *mailbox, int64_t day, uint64_t *ids,
                     size_t max, size_t *n);

#endif
