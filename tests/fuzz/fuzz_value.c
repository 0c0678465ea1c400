/* Fuzz target: the DHT value decoder (dht_value_decode) and the node's store policy, which every
 * byte string a peer puts goes through. Invariants: a value that decodes re-encodes to the same
 * bytes (one encoding per value), has a non-zero id, and the policy never accepts what does not
 * decode and verify. */
#include "dht/dht.h"
#include "dht/dht_adapter.h"
#include "dht/dht_codec.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dht_value_t v;
    int rc = dht_value_decode(data, size, &v);
    int verified = 0;
    if (rc == 0) {
        fuzz_accepted++;
        uint8_t *enc = NULL;
        size_t len = 0;
        FUZZ_ASSERT(dht_value_encode(&v, &enc, &len) == 0);
        FUZZ_ASSERT(len == size && memcmp(enc, data, size) == 0);
        free(enc);
        FUZZ_ASSERT(dht_value_id(&v) != 0);
        verified = dht_value_verify(&v) == 0;
    }
    /* The node's policy: under the value's own type only a verified value passes, under any
     * other type nothing does (undecodable bytes are tried as a message). */
    int kind = rc == 0 ? v.kind : DHT_KIND_MESSAGE;
    uint64_t id = rc == 0 ? dht_value_id(&v) : 1;
    int own = dnad_policy_store_ok(dht_type_of_kind(kind), id, data, size);
    FUZZ_ASSERT(!own || (rc == 0 && verified));
    int other = kind == DHT_KIND_RECEIPT ? DHT_KIND_MESSAGE : kind + 1;
    FUZZ_ASSERT(!dnad_policy_store_ok(dht_type_of_kind(other), id, data, size));
    dht_value_clear(&v);
    return 0;
}
