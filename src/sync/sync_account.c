/* A day's accounting per author (sync_account.h). */
#include "sync/sync_account.h"

#include "common/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

acct_author_t *acct_find(acct_t *t, const uint8_t pk[32], bool create)
{
    for (size_t i = 0; i < t->n; i++)
        if (memcmp(t->a[i].pk, pk, 32) == 0)
            return &t->a[i];
    if (!create)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        acct_author_t *p = realloc(t->a, cap * sizeof *p);
        if (!p)
            return NULL;
        t->a = p;
        t->cap = cap;
    }
    acct_author_t *e = &t->a[t->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->pk, pk, 32);
    return e;
}

int acct_hold(acct_t *t, const uint8_t pk[32], unsigned shard, uint64_t vid)
{
    acct_author_t *e = acct_find(t, pk, true);
    if (!e || shard >= DNASYNC_DHT_SHARDS)
        return e ? DNASYNC_EINVAL : DNASYNC_ENOMEM;
    e->holding = true;
    e->held[shard]++;
    e->held_xor[shard] ^= vid;
    return DNASYNC_OK;
}

int acct_add_summary(acct_t *t, const sv_summary_t *s)
{
    for (size_t i = 0; i < t->n_sums; i++) {
        sv_summary_t *o = &t->sums[i];
        if (memcmp(o->author, s->author, 32) == 0 && memcmp(o->writer, s->writer, 16) == 0) {
            if (s->version > o->version)
                *o = *s;
            return DNASYNC_OK;
        }
    }
    if (t->n_sums == t->cap_sums) {
        size_t cap = t->cap_sums ? 2 * t->cap_sums : 8;
        sv_summary_t *p = realloc(t->sums, cap * sizeof *p);
        if (!p)
            return DNASYNC_ENOMEM;
        t->sums = p;
        t->cap_sums = cap;
    }
    t->sums[t->n_sums++] = *s;
    return acct_find(t, s->author, true) ? DNASYNC_OK : DNASYNC_ENOMEM;
}

void acct_close_claims(acct_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        t->a[i].summarised = false;
        memset(t->a[i].claimed, 0, sizeof t->a[i].claimed);
        memset(t->a[i].claimed_xor, 0, sizeof t->a[i].claimed_xor);
    }
    for (size_t i = 0; i < t->n_sums; i++) {
        const sv_summary_t *s = &t->sums[i];
        acct_author_t *e = acct_find(t, s->author, false);
        if (!e)
            continue;
        e->summarised = true;
        for (unsigned k = 0; k < DNASYNC_DHT_SHARDS; k++) {
            e->claimed[k] += s->count[k];
            e->claimed_xor[k] ^= s->xors[k];
        }
    }
}

static bool equal(const acct_author_t *e, unsigned s)
{
    return e->claimed[s] == e->held[s] && e->claimed_xor[s] == e->held_xor[s];
}

bool acct_unaccounted(const acct_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->a[i].holding && !t->a[i].summarised)
            return true;
    return false;
}

bool acct_shard_differs(const acct_t *t, unsigned s)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->a[i].summarised && !equal(&t->a[i], s))
            return true;
    return false;
}

uint64_t acct_shard_missing(const acct_t *t, unsigned s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->a[i].summarised && t->a[i].claimed[s] > t->a[i].held[s])
            n += t->a[i].claimed[s] - t->a[i].held[s];
    return n;
}

int acct_verdict(const acct_t *t, char *why, size_t len)
{
    for (size_t i = 0; i < t->n; i++) {
        const acct_author_t *e = &t->a[i];
        char hex[65];
        dnasync_hex_encode(e->pk, 32, hex);
        hex[16] = '\0';
        uint64_t claimed = 0, held = 0;
        bool differs = false;
        for (unsigned s = 0; s < DNASYNC_DHT_SHARDS; s++) {
            claimed += e->claimed[s];
            held += e->held[s];
            differs = differs || !equal(e, s);
        }
        if (!e->summarised) {
            snprintf(why, len,
                     "%llu value(s) signed by key %s... are held but no summary of that key was "
                     "read",
                     (unsigned long long)held, hex);
            return 1;
        }
        if (differs) {
            snprintf(why, len,
                     "the summary of key %s... claims %llu value(s); this device holds %llu "
                     "matching it (missing, refused or forged)",
                     hex, (unsigned long long)claimed, (unsigned long long)held);
            return 1;
        }
    }
    return 0;
}

void acct_free(acct_t *t)
{
    free(t->a);
    free(t->sums);
    memset(t, 0, sizeof *t);
}
