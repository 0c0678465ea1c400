/* Internal: the gateway's validation of one value before it touches the DHT (docs/gateway.md
 * "POST /v1/put"): strict decode, kind, signature, value id, recomputed message id, key binding,
 * `created` bounds, and the sender's / owner's identity key. */
#ifndef DNASYNC_GW_CHECK_H
#define DNASYNC_GW_CHECK_H

#include "node/gw_parse.h"

#include <stddef.h>
#include <stdint.h>

#define GW_CREATED_SKEW_S 300 /* created vs the value's signed time, and vs now */
#define GW_KEY_DAYS_BACK 61   /* key binding: day buckets from today-61 ... */
#define GW_KEY_DAYS_AHEAD 1   /* ... to today+1 */

/* The signing keys the identity records of `name` on the DHT name (valid, verified records
 * only). *n may be 0. 0 ok; non-zero: the DHT could not be asked (the item gets NO_IDENTITY with
 * a "try again" message). */
typedef int (*gw_identity_fn)(void *user, const char *name, uint8_t pks[][32], size_t max,
                              size_t *n);

/* Check req->items[i] (status PENDING) at time now (Unix s); sets its status and message on
 * failure, leaves PENDING when every check passed. Identity values earlier in req that passed
 * their checks count as published (a new device's first batch). */
void gw_check_item(gw_put_req_t *req, size_t i, uint64_t now, gw_identity_fn who, void *user);

/* The dnasync value type of a kind (0x6401...) and back (0 for foreign types). */
uint16_t gw_type_of_kind(int kind);
int gw_kind_of_type(uint16_t type);

#endif
