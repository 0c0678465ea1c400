/* Internal: named crash points of the upload path (see sync_killpoint.c). Steps: "record"
 * (bundles recorded in the cache, nothing put), "put" (values confirmed on the DHT, cache not
 * written), "flag" (synced flag and outbox mark committed),
 * "summary" (summary put confirmed, outbox mark not cleared), "bell" (before the doorbell). */
#ifndef DNASYNC_SYNC_KILLPOINT_H
#define DNASYNC_SYNC_KILLPOINT_H

void sync_kill_point(const char *step);

#endif
