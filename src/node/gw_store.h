/* Internal: what every storing node would refuse of a valid value, read from the DHT before the
 * put (docs/gateway.md, status `refused`). OpenDHT 2.4.12 answers a put its store or edit policy
 * refused exactly like a stored one (network_engine.cpp: "we lie to the requestor"), so the
 * putter never hears of the refusal: the gateway has to know before it puts. */
#ifndef DNASYNC_GW_STORE_H
#define DNASYNC_GW_STORE_H

#include "dht/dht.h"
#include "node/gw_parse.h"

/* An identity record or summary whose id the DHT holds in a newer edition (the edit policy
 * keeps the held one). Sets it->status GW_REFUSED and its message; a failed read leaves it. */
void gw_check_edition(dht_storage_context_t *dht, gw_put_item_t *it);
/* A new id on a key at the nodes' caps (docs/dht.md "Caps"): a summary key's values or the
 * signer's summaries there, any other key's ids. An id the key holds (a refresh or an edit) is
 * never capped. Sets GW_REFUSED and the cap in the message; a failed read leaves it. */
void gw_check_room(dht_storage_context_t *dht, gw_put_item_t *it);

#endif
