/* Bundles: grouping, recording before the put, finishing after it (sync_bundle.h). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_bundle.h"

#include "sync/sync_killpoint.h"
#include "sync/sync_net.h"
#include "sync/sync_receipt_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a bundle's fixed fields and one member's framing take at most, for the split. */
#define SB_HEADER_BYTES (200 + DNASYNC_NAME_MAX)
#define SB_MEMBER_BYTES (100 + 2 * DNASYNC_NAME_MAX)

static int bundle_kind(int kind)
{
    return kind == SV_MESSAGE     ? SV_BUNDLE_MESSAGE
           : kind == SV_TOMBSTONE ? SV_BUNDLE_TOMBSTONE
                                  : SV_BUNDLE_RECEIPT;
}

/* A bundle of messages has one sender (its signer); grouped by mailbox, shard, sender. */
static int item_cmp(const void *pa, const void *pb)
{
    const sb_item_t *a = pa, *b = pb;
    int c = strcmp(a->mailbox, b->mailbox);
    if (c == 0)
        c = (int)a->shard - (int)b->shard;
    if (c == 0 && a->msg && b->msg)
        c = strcmp(a->msg->sender, b->msg->sender);
    return c ? c : strcmp(a->message_id, b->message_id);
}

static bool same_group(const sb_item_t *a, const sb_item_t *b)
{
    return strcmp(a->mailbox, b->mailbox) == 0 && a->shard == b->shard &&
           (!a->msg || strcmp(a->msg->sender, b->msg->sender) == 0);
}

static size_t item_bytes(const sb_item_t *it)
{
    return SB_MEMBER_BYTES + (it->msg ? it->msg->ciphertext_len : 0);
}

int sync_bundles_hold(sync_context_t *ctx, int kind, const char *message_id)
{
    int rc = dnasync_cache_bundle_holds(ctx->cache, bundle_kind(kind), message_id);
    return rc < 0 ? sync_cache_fail(ctx) : rc;
}

typedef struct built {
    dnasync_bundle_rec_t *recs; /* values owned (dnasync_cache_bundle_free) */
    size_t n, cap;
} built_t;

/* Encode items[from, to) as one bundle and record it (inside the caller's transaction). */
static int build_one(sync_context_t *ctx, int kind, const sb_item_t *items, size_t from, size_t to,
                     int64_t day, built_t *b)
{
    size_t n = to - from;
    dht_member_t *m = calloc(n, sizeof *m);
    const char **ids = calloc(n, sizeof *ids);
    int rc = m && ids ? 0 : dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const sb_item_t *it = &items[from + i];
        memcpy(m[i].message_id, it->message_id, DNASYNC_ID_HEX_LEN + 1);
        m[i].at = (uint64_t)it->at;
        if (it->msg) { /* borrowed for the encode */
            m[i].sender = it->msg->sender;
            m[i].recipient = it->msg->recipient;
            m[i].payload = it->msg->ciphertext;
            m[i].payload_len = it->msg->ciphertext_len;
        }
        ids[i] = it->message_id;
    }
    if (rc == 0 && b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        dnasync_bundle_rec_t *p = realloc(b->recs, cap * sizeof *p);
        if (!p)
            rc = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
        else {
            b->recs = p;
            b->cap = cap;
        }
    }
    dnasync_bundle_rec_t *r = rc == 0 ? &b->recs[b->n] : NULL;
    if (r) {
        memset(r, 0, sizeof *r);
        snprintf(r->mailbox, sizeof r->mailbox, "%s", items[from].mailbox);
        r->day = day;
        r->shard = items[from].shard;
        r->kind = bundle_kind(kind);
        rc = sv_encode_bundle(ctx, r->kind, r->mailbox, day, r->shard, m, n, &r->value, &r->len,
                              &r->vid, &r->created);
        if (rc == 0)
            b->n++;
        else
            free(r->value);
    }
    /* members (and their ids) are in message id order now; ids follow items, same set */
    if (rc == 0 && dnasync_cache_bundle_add(ctx->cache, r, ids, n) != 0)
        rc = sync_cache_fail(ctx);
    free(m);
    free(ids);
    return rc;
}

/* The smallest bundle confirmed for (mailbox, day) rings the doorbell (a copy of it goes to
 * the bell key; listeners only need to be woken). */
static bool rings(const dnasync_bundle_rec_t *r, const net_put_t *puts, size_t n, size_t i)
{
    for (size_t j = 0; j < n; j++) {
        bool earlier = j < i; /* of two the same size, the first rings */
        if (j != i && puts[j].ok && r[j].day == r[i].day &&
            strcmp(r[j].mailbox, r[i].mailbox) == 0 &&
            (r[j].len < r[i].len || (earlier && r[j].len == r[i].len)))
            return false;
    }
    return true;
}

/* The members a finished bundle frees are synced: messages flagged, tombstones marked, receipts
 * off the pending list. */
static int mark_members(sync_context_t *ctx, int bkind, char (*ids)[DNASYNC_ID_HEX_LEN + 1],
                        size_t n)
{
    const char **p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        p[i] = ids[i];
    int rc = 0;
    if (n && bkind == SV_BUNDLE_MESSAGE)
        rc = dnasync_cache_mark_synced(ctx->cache, p, n) == 0 ? 0 : sync_cache_fail(ctx);
    else if (n && bkind == SV_BUNDLE_TOMBSTONE)
        rc = dnasync_cache_tombstone_mark_synced(ctx->cache, p, n) == 0 ? 0 : sync_cache_fail(ctx);
    for (size_t i = 0; rc == 0 && bkind == SV_BUNDLE_RECEIPT && i < n; i++)
        rc = sync_receipt_sent_locked(ctx, ids[i]);
    free(p);
    return rc;
}

/* Put recorded bundles; in one transaction, for each one confirmed: index it as this device's,
 * mark its summary in the outbox, forget the record and mark the members it frees. */
static int put_and_finish(sync_context_t *ctx, const dnasync_bundle_rec_t *r, size_t n,
                          size_t *marked)
{
    net_put_t *puts = calloc(n ? n : 1, sizeof *puts);
    if (!puts)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        net_key_box(r[i].mailbox, r[i].day, r[i].shard, puts[i].key);
        puts[i].val = r[i].value;
        puts[i].len = r[i].len;
        puts[i].kind = r[i].kind;
        puts[i].vid = r[i].vid;
        puts[i].created = r[i].created;
    }
    int rc = net_put_many(ctx, puts, n);
    if (rc == 0)
        sync_kill_point("put");
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += !puts[i].ok;
    bool in_tx = rc == 0 && failed < n;
    if (in_tx && dnasync_cache_begin(ctx->cache) != 0) {
        rc = sync_cache_fail(ctx);
        in_tx = false;
    }
    size_t count = 0;
    for (size_t i = 0; in_tx && rc == 0 && i < n; i++) {
        if (!puts[i].ok)
            continue;
        char(*freed)[DNASYNC_ID_HEX_LEN + 1] = NULL;
        size_t nf = 0;
        if (dnasync_cache_index_add(ctx->cache, r[i].mailbox, r[i].day, r[i].shard, r[i].vid, "",
                                    SV_INDEX_BUNDLE, 1) != 0 ||
            (rings(r, puts, n, i) &&
             dnasync_cache_outbox_mark(ctx->cache, r[i].mailbox, r[i].day, r[i].value, r[i].len,
                                       r[i].kind, r[i].vid, r[i].created) != 0) ||
            dnasync_cache_bundle_done(ctx->cache, r[i].mailbox, r[i].vid, &freed, &nf) != 0)
            rc = sync_cache_fail(ctx);
        else
            rc = mark_members(ctx, r[i].kind, freed, nf);
        free(freed);
        count += nf;
    }
    if (in_tx)
        rc = sync_tx_finish(ctx, rc);
    if (in_tx && rc == 0)
        sync_kill_point("flag");
    free(puts);
    if (rc == 0 && marked)
        *marked += count;
    if (rc == 0 && failed)
        rc = dnasync_err_set(&ctx->err, DNASYNC_EDHT,
                             "%zu of %zu bundles not confirmed by the DHT; their values stay "
                             "pending",
                             failed, n);
    return rc;
}

/* The bundles' keys (items sorted by group): their searches start before the bundles are built
 * and recorded (~0.5 s for 10,000 messages, BENCHMARKS.md row 1a), so a departed node's wait in
 * each new search (dht_warm.h) overlaps that work instead of following it. Only for large
 * uploads: a send's few keys are put at once anyway. */
static void warm_keys(sync_context_t *ctx, const sb_item_t *items, size_t n, int64_t day)
{
    uint8_t(*keys)[DNASYNC_DHT_KEY_BYTES] = malloc(n * sizeof *keys);
    if (!keys)
        return; /* put as before, only slower */
    size_t nk = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(items[i].mailbox, items[i - 1].mailbox) != 0 ||
            items[i].shard != items[i - 1].shard)
            nk += net_key_box(items[i].mailbox, day, items[i].shard, keys[nk]) == 0;
    net_warm(ctx, (const uint8_t(*)[DNASYNC_DHT_KEY_BYTES])keys, nk);
    free(keys);
}

int sync_bundles_put_locked(sync_context_t *ctx, int kind, sb_item_t *items, size_t n, int64_t day,
                            size_t *marked)
{
    if (n == 0)
        return DNASYNC_OK;
    for (size_t i = 0; i < n; i++) /* once, not per comparison: a hex decode each (profiled) */
        items[i].shard = sv_shard(items[i].message_id);
    qsort(items, n, sizeof *items, item_cmp);
    if (n >= SYNC_BATCH)
        warm_keys(ctx, items, n, day);
    built_t b = {NULL, 0, 0};
    /* recorded before any put: what a crash leaves is re-put byte for byte */
    int rc = dnasync_cache_begin(ctx->cache) == 0 ? 0 : sync_cache_fail(ctx);
    bool in_tx = rc == 0;
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i, bytes = SB_HEADER_BYTES;
        while (j < n && same_group(&items[i], &items[j]) && j - i < DHT_MAX_BUNDLE_MEMBERS &&
               (j == i || bytes + item_bytes(&items[j]) <= DHT_VALUE_MAX_BYTES))
            bytes += item_bytes(&items[j++]);
        rc = build_one(ctx, kind, items, i, j, day, &b);
        i = j;
    }
    if (in_tx)
        rc = sync_tx_finish(ctx, rc);
    if (rc == 0)
        sync_kill_point("record");
    if (rc == 0)
        rc = put_and_finish(ctx, b.recs, b.n, marked);
    dnasync_cache_bundle_free(b.recs, b.n);
    return rc;
}

int sync_bundles_resume_locked(sync_context_t *ctx, int kind, size_t *marked)
{
    dnasync_bundle_rec_t *r = NULL;
    size_t n = 0, keep = 0;
    if (dnasync_cache_bundle_list(ctx->cache, &r, &n) != 0)
        return sync_cache_fail(ctx);
    for (size_t i = 0; i < n; i++) {
        if (kind && r[i].kind != bundle_kind(kind)) {
            free(r[i].value);
            continue;
        }
        r[keep++] = r[i];
    }
    int rc = keep ? put_and_finish(ctx, r, keep, marked) : DNASYNC_OK;
    dnasync_cache_bundle_free(r, keep);
    return rc;
}
