/* Internal: a day's differing shards read ahead (sync_readahead.c, docs/sync.md "Reading shards
 * ahead"). The network part of a shard (its listing, then the listed ids it does not hold,
 * SYNC_FETCH_CHUNK a request) runs on worker threads, at most SYNC_READ_AHEAD shards ahead of the
 * one the engine applies, so at most that many shards' values are held at once. The workers use
 * the transport only, never the cache or the context's state. */
#ifndef DNASYNC_SYNC_READAHEAD_H
#define DNASYNC_SYNC_READAHEAD_H

#include "net/net.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ra_shard {
    /* in */
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    const uint64_t *held; /* ids the device holds there, ascending (borrowed until ra_stop) */
    size_t n_held;
    /* out, once ra_next handed the shard over; owned until ra_done */
    int rc; /* 0, or the failed read's code with its reason in err (nothing is kept then) */
    char err[DNASYNC_NET_ERR_MAX];
    uint64_t *ids; /* listed and not held: the ids asked for */
    size_t n_ids;
    dnasync_net_value_t *vals; /* what came back */
    size_t count;
    bool ended; /* internal */
} ra_shard_t;

typedef struct readahead readahead_t;

/* Read shards[0..n) ahead (the array is borrowed until ra_stop). NULL when out of memory; with no
 * worker thread, ra_next reads each shard itself. */
readahead_t *ra_start(dnasync_net_t *net, ra_shard_t *shards, size_t n);
/* The next shard in order, once its reads ended (NULL after the last). */
ra_shard_t *ra_next(readahead_t *r);
/* Frees the shard's ids and values, letting the workers read one shard further. */
void ra_done(readahead_t *r, ra_shard_t *s);
/* Ends the reads (no shard starts after it), waits for the workers and frees everything. */
void ra_stop(readahead_t *r);

#endif
