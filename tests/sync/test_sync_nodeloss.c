/* Loss of DHT nodes during sync: five nodes, two go away after the upload; a new device still
 * gets everything from the survivors. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync_testnet.h"

#include <stdio.h>
#include <time.h>

int main(void)
{
    tnet_t net;
    tdev_t desk, mob;
    tnet_start(&net, 5, 0);
    tdev_init(&desk, &net, "alice-desktop", "alice", 1);
    tdev_link(&mob, &desk, &net, "alice-mobile", 1);
    tdev_open(&desk, &net);
    char id[65];
    for (int i = 0; i < 40; i++) {
        char text[32];
        snprintf(text, sizeof text, "message %d", i);
        tdev_send(&desk, "alice", text, id);
    }
    tdev_close(&desk); /* the writer's own node leaves too */
    /* OpenDHT replicates in the background: wait (bounded) until the nodes that will survive
     * hold the 40 messages, 2 summaries and the identity record before the others go away. */
    for (int i = 0; i < 300; i++) {
        size_t ok = 0;
        for (size_t k = 1; k < net.n; k += 2) {
            dht_storage_stats_t s;
            if (dht_storage_stats(net.nodes[k], &s) == 0 && s.values >= 42)
                ok++;
        }
        if (ok == 2)
            break;

        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    tnet_stop_node(&net, 0);
    tnet_stop_node(&net, 2);
    tdev_open(&mob, &net); /* bootstraps through a surviving node */
    size_t down = 0;
    tdev_sync(&mob, NULL, &down, NULL);
    CHECK_EQ_INT(down, 40);
    sync_status_t st;
    CHECK_EQ_INT(sync_get_status(mob.sync, &st), 0);
    CHECK_EQ_INT(st.verified_days, st.window_days);
    tdev_close(&mob);
    tnet_free(&net);
    return 0;
}
