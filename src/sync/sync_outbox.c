/* The outbox of summaries (docs/sync.md, "The outbox"). A value marked synced must be counted by
 * this device's summary of its (mailbox, day), or readers verify that day without it. So the
 * transaction that marks values synced also records the pair (with the doorbell value to ring
 * after it) in the cache's summary_outbox; sync_outbox_flush_locked re-puts every recorded
 * summary, rings its bell and clears the entry only once the put was confirmed. A crash anywhere
 * leaves the entry, and the next pass (or send, delete, read) flushes it before anything else. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_killpoint.h"
#include "sync/sync_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sync_touch(sync_context_t *ctx, touched_t *t, const char *mailbox, const net_put_t *last)
{
    touched_box_t *b = NULL;
    for (size_t i = 0; i < t->n && !b; i++)
        if (strcmp(t->box[i].mailbox, mailbox) == 0)
            b = &t->box[i];
    if (!b) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 4;
            touched_box_t *p = realloc(t->box, cap * sizeof *p);
            if (!p)
                return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
            t->box = p;
            t->cap = cap;
        }
        b = &t->box[t->n++];
        memset(b, 0, sizeof *b);
        snprintf(b->mailbox, sizeof b->mailbox, "%s", mailbox);
    }
    b->bell = *last; /* borrowed: the caller's value outlives sync_outbox_mark_locked */
    return DNASYNC_OK;
}

int sync_outbox_mark_locked(sync_context_t *ctx, const touched_t *t, int64_t day)
{
    int rc = DNASYNC_OK;
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        const net_put_t *bell = &t->box[i].bell;
        if (dnasync_cache_outbox_mark(ctx->cache, t->box[i].mailbox, day, bell->val, bell->len,
                                      bell->kind, bell->vid, bell->created) != 0)
            rc = sync_cache_fail(ctx);
    }
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
