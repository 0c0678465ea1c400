/* A test transport that wraps another one (net/net.h) and misbehaves on purpose: loses
 * values on shard reads, dies right after a confirmed message put, fails the puts of one value
 * kind, silences listens, and counts what the engine asks for. The shipped library has no such
 * hooks; tests put this between engine and network. */
#ifndef DNASYNC_TEST_FAULT_NET_H
#define DNASYNC_TEST_FAULT_NET_H

#include "net/net.h"

#include <pthread.h>
#include <stdbool.h>

#define FAULT_NET_LISTENS 8

/* A listen passed through, which fault_net_deafen can silence (borrowed by the inner one). */
typedef struct fault_listen {
    struct fault_net *f;
    uint64_t token; /* the inner transport's; 0: slot free */
    dnasync_net_listen_cb cb;
    void *user;
    bool deaf; /* values dropped, listen_alive says 0 */
} fault_listen_t;

typedef struct fault_net_counts {
    uint64_t puts, gets, lists, get_ids, ids_asked; /* calls (puts: values) */
    uint64_t put_calls,
        bell_calls; /* put calls: confirmed, best effort (DNASYNC_NET_PUT_BEST_EFFORT) */
} fault_net_counts_t;

typedef struct fault_net {
    dnasync_net_t base;   /* hand &base to the engine */
    dnasync_net_t *inner; /* borrowed */
    pthread_mutex_t mu;
    /* Reads left that lose one value, as when the answering nodes lack it: the first non-empty
     * listing loses its last id (hidden_id of hidden_key); later listings and whole-key gets of
     * that key lose the same value. Other keys' reads are untouched, so the engine's order of
     * reading shards (several at once) does not change which reads lose it. */
    unsigned drop_reads;
    uint8_t hidden_key[DNASYNC_DHT_KEY_BYTES];
    uint64_t hidden_id;   /* 0: none chosen yet */
    bool crash_after_put; /* raise SIGKILL once a MESSAGE put is confirmed, before returning */
    int fail_kind; /* a put call holding a value of this kind (dht_codec.h) fails unsent (0: none)
                    */
    /* Called (not under mu, on the putting thread) for each value before it is put. */
    void (*on_put)(void *user, const dnasync_net_put_t *item);
    void *on_put_user;
    fault_listen_t listens[FAULT_NET_LISTENS];
    unsigned listen_calls; /* listens asked for */
    fault_net_counts_t counts;
} fault_net_t;

void fault_net_init(fault_net_t *f, dnasync_net_t *inner);
void fault_net_destroy(fault_net_t *f); /* the inner transport is left alone */
fault_net_counts_t fault_net_counts(fault_net_t *f);
/* Every listen open now stops hearing, silently, as an OpenDHT 2.4 listen whose search lost all
 * its nodes: its values are dropped and listen_alive reports it (later listens hear). */
void fault_net_deafen(fault_net_t *f);

#endif
