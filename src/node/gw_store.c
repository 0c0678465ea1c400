/* The storing nodes' refusals the gateway reads before a put (node/gw_store.h). */
#include "node/gw_store.h"

#include "dht/dht_codec.h"
#include "node/gw_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_check_edition(dht_storage_context_t *dht, gw_put_item_t *it)
{
    if (it->status != GW_PENDING || (it->kind != DHT_KIND_IDENTITY && it->kind != DHT_KIND_SUMMARY))
        return;
    dht_raw_value_t *held = NULL;
    size_t n = 0;
    if (dht_get_by_ids(dht, it->key, &it->vid, 1, &held, &n) != 0)
        return;
    uint16_t type = gw_type_of_kind(it->kind);
    for (size_t i = 0; i < n && it->status == GW_PENDING; i++)
        if (held[i].type == type && held[i].id == it->vid &&
            !dht_edit_ok(type, it->vid, held[i].data, held[i].len, it->data, it->len)) {
            it->status = GW_REFUSED;
            snprintf(it->message, sizeof it->message,
                     "a newer edition of this %s is stored; the nodes' edit policy keeps it",
                     it->kind == DHT_KIND_IDENTITY ? "identity record" : "summary");
        }
    dht_raw_values_free(held, n);
}

/* A summary key: its distinct ids, and the summaries by the item's signer. 0 when the item's
 * id is there (not capped), 1 when counted, -1 when the key could not be read. */
static int count_summaries(dht_storage_context_t *dht, const gw_put_item_t *it, size_t *ids,
                           size_t *by_author)
{
    dht_value_t mine;
    if (dht_value_decode(it->data, it->len, &mine) != 0)
        return -1; /* cannot happen: the item passed its checks */
    dht_raw_value_t *vals = NULL;
    size_t n = 0;
    int rc = dht_get(dht, it->key, &vals, &n) == 0 ? 1 : -1;
    for (size_t i = 0; rc == 1 && i < n; i++) {
        if (vals[i].id == it->vid)
            rc = 0;
        size_t first = 0; /* an id returned twice (two authors' versions) is held once */
        while (vals[first].id != vals[i].id)
            first++;
        *ids += first == i;
        dht_value_t v;
        if (dht_value_decode(vals[i].data, vals[i].len, &v) != 0)
            continue;
        *by_author += v.kind == DHT_KIND_SUMMARY && memcmp(v.author_pk, mine.author_pk, 32) == 0;
        dht_value_clear(&v);
    }
    dht_raw_values_free(vals, n);
    dht_value_clear(&mine);
    return rc;
}

void gw_check_room(dht_storage_context_t *dht, gw_put_item_t *it)
{
    if (it->status != GW_PENDING)
        return;
    size_t held = 0, by_author = 0;
    if (it->kind == DHT_KIND_SUMMARY) {
        if (count_summaries(dht, it, &held, &by_author) != 1)
            return;
    } else {
        uint64_t *ids = NULL;
        if (dht_list_ids(dht, it->key, &ids, &held) != 0)
            return;
        int there = 0;
        for (size_t i = 0; i < held && !there; i++)
            there = ids[i] == it->vid;
        free(ids);
        if (there)
            return;
    }
    char why[128];
    if (dht_caps_room(it->kind, held, by_author, why, sizeof why))
        return;
    it->status = GW_REFUSED;
    snprintf(it->message, sizeof it->message, "the key is full: %s", why);
}
