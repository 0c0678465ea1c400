/* Internal (not exported by libdnasync.so): storing text in the cache without sending it, for
 * tests, benchmarks and `dnasync cache-add` (sync_cache_add.c). */
#ifndef DNASYNC_SYNC_CACHE_ADD_H
#define DNASYNC_SYNC_CACHE_ADD_H

#include "dnasync/sync_protocol.h"

/* Seal text to this identity only and store it in the cache with the given sender, recipient and
 * created_at (0 = now), pending unless synced is true. */
int sync_cache_add_text(sync_context_t *ctx, const char *sender, const char *recipient,
                        const char *text, int64_t created_at, bool synced,
                        char message_id_out[DNASYNC_ID_HEX_LEN + 1]);

#endif
