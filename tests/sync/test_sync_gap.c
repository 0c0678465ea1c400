/* Provable completeness: one value is dropped from a device's read (a test transport around
 * the in-memory store loses it); that day must stay unverified, and the next sync must notice the
 * gap and fetch exactly what is missing. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "fault_net.h"
#include "sync_testnet.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    tnet_t net;
    tdev_t desk, mob;
    tnet_start_memory(&net);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    tdev_link(&mob, &desk, &net, "alice-mobile", 1);
    tdev_open(&desk, &net);
    char ids[5][65];
    for (int i = 0; i < 5; i++) {
        char text[16] = "m0";
        text[1] = (char)('0' + i);
        tdev_send(&desk, "alice", text, ids[i]); /* notes to self */
    }
    /* Both reads of the first pass's shard (a listing, then the whole-key get the engine falls
     * back to while the shard differs; SYNC_SHARD_ROUNDS) lose one value. */
    fault_net_t lossy;
    fault_net_init(&lossy, net.mem);
    lossy.drop_reads = 2;
    mob.via = &lossy.base;
    tdev_open(&mob, &net);
    size_t down = 0;
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 4); /* one value lost on the way */
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days - 1); /* today is not proven complete */
    sync_day_status_t *days = NULL;
    size_t n = 0;
    CHECK_EQ_INT(sync_get_days(mob.sync, &days, &n), 0);
    CHECK_EQ_INT(n, st.window_days);
    CHECK(!days[n - 1].verified && days[n - 2].verified);
    CHECK(st.oldest_unverified_expiry == days[n - 1].expires_at);
    free(days);

    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 1); /* the gap was found from the summaries and repaired */
    for (int i = 0; i < 5; i++)
        CHECK(tdev_has(&mob, ids[i]));
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
    CHECK_EQ_INT(st.oldest_unverified_expiry, 0);
    CHECK_EQ_INT(lossy.drop_reads, 0); /* both losses happened */
    tdev_close(&mob);
    tdev_close(&desk);
    fault_net_destroy(&lossy);
    tnet_free(&net);
    return 0;
}
