/* Fuzz target: the summary decoder, the value a reader trusts to tell whether a day is complete
 * (sync_download.c folds each entry into per-shard tables indexed by the entry's shard). Its
 * corpus holds only summaries, so mutations stay near that branch of dht_value_decode.
 * Invariants of an accepted summary: a valid mailbox name, a day that fits int64, at most 128
 * entries, shards < 128, ascending and unique (so the folding can never index outside its
 * tables nor count a shard twice), and the same bytes when re-encoded. */
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dht_value_t v;
    if (dht_value_decode(data, size, &v) == 0 && v.kind == DHT_KIND_SUMMARY) {
        fuzz_accepted++;
        FUZZ_ASSERT(v.mailbox && dht_name_valid(v.mailbox));
        FUZZ_ASSERT(v.day <= (uint64_t)INT64_MAX);
        FUZZ_ASSERT(v.n_entries <= DHT_MAX_SUMMARY_ENTRIES);
        for (size_t i = 0; i < v.n_entries; i++) {
            FUZZ_ASSERT(v.entries[i].shard < DNASYNC_DHT_SHARDS);
            FUZZ_ASSERT(i == 0 || v.entries[i].shard > v.entries[i - 1].shard);
        }
        uint8_t *enc = NULL;
        size_t len = 0;
        FUZZ_ASSERT(dht_value_encode(&v, &enc, &len) == 0);
        FUZZ_ASSERT(len == size && memcmp(enc, data, size) == 0);
        free(enc);
        FUZZ_ASSERT(dht_value_id(&v) != 0);
    }
    dht_value_clear(&v);
    return 0;
}
