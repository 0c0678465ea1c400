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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sync_publish_summary_locked(sync_context_t *ctx, const char *mailbox, int64_t day)
{
    sv_summary_t s;
    memset(&s, 0, sizeof s);
    int rc = dnasync_cache_index_summary(ctx->cache, mailbox, day, 1, s.count, s.xors);
    if (rc != 0)
        return sync_cache_fail(ctx);
    /* The version only has to grow: the env clock in ms, never below the last one used. It is
     * kept before the put, so a crash after the put cannot make the next one reuse it. */
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
    net_put_t put = {.kind = SV_SUMMARY, .created = (int64_t)dnasync_env_now(ctx->env)};
    rc = sv_encode_summary(ctx, mailbox, day, &s, &val, &len, &put.vid);
    if (rc != 0)
        return rc;
    put.val = val;
    put.len = len;
    net_key_sum(mailbox, day, put.key);
    rc = net_put_many(ctx, &put, 1);
    free(val);
    if (rc == 0 && !put.ok)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT, "summary for %s day %lld not confirmed",
                             mailbox, (long long)day);
    return rc;
}

int sync_outbox_flush_locked(sync_context_t *ctx)
{
    dnasync_outbox_entry_t *e = NULL;
    size_t n = 0;
    if (dnasync_cache_outbox_list(ctx->cache, &e, &n) != 0)
        return sync_cache_fail(ctx);
    int rc = DNASYNC_OK;
    for (size_t i = 0; i < n; i++) {
        if (sync_publish_summary_locked(ctx, e[i].mailbox, e[i].day) != 0) {
            rc = DNASYNC_EDHT; /* stays in the outbox; the reason is in ctx->err */
            continue;
        }
        sync_kill_point("summary");
        if (e[i].bell) {
            /* Best effort: a listener that misses it still gets the value from its periodic
             * pass, since the summary is out. A crash before this line rings it after restart. */
            sync_kill_point("bell");
            net_put_t bell = {.val = e[i].bell,
                              .len = e[i].bell_len,
                              .kind = e[i].bell_kind,
                              .vid = e[i].bell_vid,
                              .created = e[i].bell_created};
            net_ring(ctx, e[i].mailbox, e[i].day, &bell);
        }
        /* a mark made since this entry was read has a higher seq and stays */
        if (dnasync_cache_outbox_clear(ctx->cache, e[i].seq) != 0 && rc == 0)
            rc = sync_cache_fail(ctx);
    }
    dnasync_cache_outbox_free(e, n);
    return rc;
}
