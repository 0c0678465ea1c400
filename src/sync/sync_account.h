/* Internal: a day's accounting per author (issue 10). A summary speaks only for the values its
 * own signing key signed: for every key, what its summaries claim (per shard, count and XOR of
 * value ids) is compared with what this device holds signed by that key. Counts are 64-bit sums
 * of 32-bit claims, so they cannot wrap. */
#ifndef DNASYNC_SYNC_ACCOUNT_H
#define DNASYNC_SYNC_ACCOUNT_H

#include "sync/sync_values.h"

typedef struct acct_author {
    uint8_t pk[32];
    bool summarised; /* a summary signed by this key was read */
    bool holding;    /* this device holds a value signed by this key */
    uint64_t claimed[DNASYNC_DHT_SHARDS], claimed_xor[DNASYNC_DHT_SHARDS];
    uint64_t held[DNASYNC_DHT_SHARDS], held_xor[DNASYNC_DHT_SHARDS];
} acct_author_t;

typedef struct acct {
    acct_author_t *a;
    size_t n, cap;
    sv_summary_t *sums; /* one per (author, writer): the highest version read */
    size_t n_sums, cap_sums;
} acct_t;

/* The entry of key pk; create: add it when missing. NULL when missing (or out of memory). */
acct_author_t *acct_find(acct_t *t, const uint8_t pk[32], bool create);
/* A value this device holds, signed by pk. */
int acct_hold(acct_t *t, const uint8_t pk[32], unsigned shard, uint64_t vid);
/* A verified summary; a second one of the same (author, writer) keeps the higher version. */
int acct_add_summary(acct_t *t, const sv_summary_t *s);
/* Sum the summaries into their authors' claims (again after more acct_add_summary). */
void acct_close_claims(acct_t *t);
/* Whether values are held under a key no summary was read for. */
bool acct_unaccounted(const acct_t *t);
/* Whether some author's claim for shard s differs from what is held of it. */
bool acct_shard_differs(const acct_t *t, unsigned s);
/* Values claimed but not held in shard s, over all authors (for progress). */
uint64_t acct_shard_missing(const acct_t *t, unsigned s);
/* 0 when every summarised author's claims equal what is held and every held value's author was
 * summarised; otherwise 1 and the first reason in why. */
int acct_verdict(const acct_t *t, char *why, size_t len);
void acct_free(acct_t *t);

#endif
