/* The outbox of summaries (docs/sync.md, "The outbox"). A value marked synced must be counted by
 * this device's summary of its (mailbox, day), or readers verify that day without it. So the
 * transaction that marks values synced also records the pair (with the doorbell value to ring
 * after it) in the cache's summary_outbox; sync_outbox_flush_locked re-puts every recorded
 * summary, rings its bell and clears the entry only once the put was confirmed. A crash anywhere
 * leaves the entry, and the next pass (or send, delete, read) flushes it before anything else. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_outbox.h"

#include "sync/sync_killpoint.h"
#include "sync/sync_net.h"
#include "sync/sync_values.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This device's summary of (mailbox, day) as a put (put->val malloc'd). Its version is kept
 * before the put, so a crash after the put cannot make the next one reuse it. */
static int summary_put(sync_context_t *ctx, const char *mailbox, int64_t day, net_put_t *put)
{
    sv_summary_t s;
    memset(&s, 0, sizeof s);
    int rc = dnasync_cache_index_summary(ctx->cache, mailbox, day, 1, s.count, s.xors);
    if (rc != 0)
        return sync_cache_fail(ctx);
    /* The version only has to grow: the env clock in ms, never below the last one used. */
    char vkey[DNASYNC_NAME_MAX + 64], *last = NULL, num[32];
    snprintf(vkey, sizeof vkey, "summary_version:%lld:%s", (long long)day, mailbox);
    s.version = dnasync_env_now_ms(ctx->env);
    if (dnasync_cache_meta_get(ctx->cache, vkey, &last) == 0 && last) {
        uint64_t prev = strtoull(last, NULL, 10);
        if (s.version <= prev)
            s.version = prev + 1;
    }
    free(last);
    snprintf(num, sizeof num, "%llu", (unsigned long long)s.version);
    if (dnasync_cache_meta_set(ctx->cache, vkey, num) != 0)
        return sync_cache_fail(ctx);
    uint8_t *val = NULL;
    size_t len = 0;
    memset(put, 0, sizeof *put);
    put->kind = SV_SUMMARY;
    put->created = (int64_t)dnasync_env_now(ctx->env);
    rc = sv_encode_summary(ctx, mailbox, day, &s, &val, &len, &put->vid);
    if (rc != 0)
        return rc;
    put->val = val;
    put->len = len;
    net_key_sum(mailbox, day, put->key);
    return DNASYNC_OK;
}

/* The summaries of all entries go out in one batch (they do not depend on each other), then
 * the doorbells of the confirmed ones in one best-effort call: a send to another identity is
 * three rounds of DHT requests (values, summaries, bells), not one summary after the other
 * (BENCHMARKS.md, row 9). */
int sync_outbox_flush_locked(sync_context_t *ctx)
{
    dnasync_outbox_entry_t *e = NULL;
    size_t n = 0;
    if (dnasync_cache_outbox_list(ctx->cache, &e, &n) != 0)
        return sync_cache_fail(ctx);
    if (n == 0)
        return DNASYNC_OK;
    net_put_t *sums = calloc(n, sizeof *sums), *bells = calloc(n, sizeof *bells);
    size_t *of = calloc(n, sizeof *of); /* sums[k] is the summary of entry of[k] */
    int rc = sums && bells && of ? DNASYNC_OK
                                 : dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    size_t k = 0, nb = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (summary_put(ctx, e[i].mailbox, e[i].day, &sums[k]) != 0)
            rc = DNASYNC_EDHT; /* stays in the outbox; the reason is in ctx->err */
        else
            of[k++] = i;
    }
    if (k > 0 && net_put_many(ctx, sums, k) != 0)
        rc = DNASYNC_EDHT; /* none confirmed: every item's ok is 0 */
    bool any = false;
    for (size_t j = 0; j < k; j++) {
        const dnasync_outbox_entry_t *en = &e[of[j]];
        if (!sums[j].ok) {
            rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "summary for %s day %lld not confirmed",
                                 en->mailbox, (long long)en->day);
            continue;
        }
        any = true;
        /* Best effort: a listener that misses it still gets the value from its periodic pass,
         * since the summary is out. A crash before the ring rings it after restart. */
        if (en->bell) {
            bells[nb] = (net_put_t){.val = en->bell,
                                    .len = en->bell_len,
                                    .kind = en->bell_kind,
                                    .vid = en->bell_vid,
                                    .created = en->bell_created};
            nb += net_key_bell(en->mailbox, en->day, bells[nb].key) == 0;
        }
    }
    if (any)
        sync_kill_point("summary");
    if (nb > 0) {
        sync_kill_point("bell");
        net_ring(ctx, bells, nb);
    }
    for (size_t j = 0; j < k; j++) /* a mark made since an entry was read has a higher seq */
        if (sums[j].ok && dnasync_cache_outbox_clear(ctx->cache, e[of[j]].seq) != 0 && rc == 0)
            rc = sync_cache_fail(ctx);
    for (size_t j = 0; j < k; j++)
        free((void *)sums[j].val);
    free(sums);
    free(bells);
    free(of);
    dnasync_cache_outbox_free(e, n);
    return rc;
}
