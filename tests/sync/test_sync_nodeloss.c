/* Loss of DHT nodes during sync: five nodes, two go away after the upload; a new device still
 * gets everything from the survivors. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "sync_testnet.h"

#include <stdio.h>

int main(void)
{
    tnet_t net;
    tdev_t desk, mob;
    tnet_start(&net, 5, 1);
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
