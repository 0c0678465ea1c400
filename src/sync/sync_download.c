/* Download: per day of the window, one summary read tells whether this device is complete;
 * only differing shards are listed and only missing ids fetched. Every value is verified
 * before it touches the cache. A day is marked verified only when every summary's author is
 * accounted for (sync_account.h) and nothing was left unread; otherwise the reason is kept
 * and reported (docs/sync.md, "What verified proves"). */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_download.h"

#include "common/cond.h"
#include "dnasync/identity.h"
#include "sync/sync_account.h"
#include "sync/sync_net.h"
#include "sync/sync_readahead.h"
#include "sync/sync_receipt_store.h"
#include "sync/sync_writers.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ids of a day this device holds, per shard: the read-ahead's workers skip them without
 * the cache (each shard's sorted before it is read). */
typedef struct held_ids {
    uint64_t *id[DNASYNC_DHT_SHARDS];
    size_t n[DNASYNC_DHT_SHARDS], cap[DNASYNC_DHT_SHARDS];
} held_ids_t;

typedef struct day_job {
    sync_context_t *ctx;
    const char *mailbox;
    int64_t day;
    unsigned shard;
    acct_t acct;
    held_ids_t held_ids;
    size_t new_msgs, deleted, fetched, total;
    size_t held, differed; /* for the pass log: values held before, shards read */
    bool transient;        /* a value could not be checked now (e.g. identity lookup failed) */
    int rc;
} day_job_t;

/* One checked value (or bundle member) into the cache: idempotent, so a member already held
 * through another value changes nothing. */
static int apply_member(day_job_t *job, const sv_value_t *v)
{
    sync_context_t *ctx = job->ctx;
    int rc = 0;
    if (v->kind == SV_MESSAGE) {
        int inserted = 0;
        rc = dnasync_cache_insert(ctx->cache, &v->msg, &inserted);
        if (rc == 0 && inserted) {
            job->new_msgs++;
            rc = sync_receipt_arrived_message(ctx, v->message_id);
            sync_event_push(ctx, SYNC_EVENT_MESSAGE, v->message_id, 0, 0);
        }
    } else if (v->kind == SV_TOMBSTONE) {
        int changed = 0;
        rc = dnasync_cache_delete(ctx->cache, v->message_id, v->deleted_at, 1, &changed);
        if (rc == 0 && changed) {
            job->deleted++;
            sync_event_push(ctx, SYNC_EVENT_DELETED, v->message_id, 0, 0);
        }
    } else {
        rc = sync_receipt_apply(ctx, v->message_id, v->read_at);
        if (rc == 0)
            sync_event_push(ctx, SYNC_EVENT_RECEIPT, v->message_id, 0, 0);
    }
    return rc;
}

/* Every member, then the value itself once into the index and the accounting. */
static int apply_values(day_job_t *job, uint64_t vid, const sv_value_t *v, size_t n, bool bundle)
{
    sync_context_t *ctx = job->ctx;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = apply_member(job, &v[i]);
    int kind = bundle                    ? SV_INDEX_BUNDLE
               : v->kind == SV_MESSAGE   ? SV_INDEX_MESSAGE
               : v->kind == SV_TOMBSTONE ? SV_INDEX_TOMBSTONE
                                         : SV_INDEX_RECEIPT;
    if (rc == 0)
        rc = dnasync_cache_index_add_signed(ctx->cache, job->mailbox, job->day, job->shard, vid,
                                            v->message_id, kind, v->author);
    if (rc != 0)
        return sync_cache_fail(ctx);
    return acct_hold(&job->acct, v->author, job->shard, vid);
}

/* Whether every member is a message, tombstone or receipt of this shard under the listed id. */
static bool values_fit(const day_job_t *job, uint64_t vid, const sv_value_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(v[i].kind == SV_MESSAGE || v[i].kind == SV_TOMBSTONE || v[i].kind == SV_RECEIPT) ||
            sv_shard(v[i].message_id) != job->shard || v[i].vid != vid)
            return false;
    return n > 0;
}

static int on_value(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    day_job_t *job = user;
    sync_context_t *ctx = job->ctx;
    if (dnasync_cache_index_has(ctx->cache, job->mailbox, job->day, job->shard, vid) == 1)
        return 0;
    /* A refusal is remembered as these bytes under this id, never as the id: a forgery that
     * reuses a genuine value's id must not stand for it (issue 10, D3). */
    uint8_t hash[SHA256_DIGEST_LENGTH];
    SHA256(val, len, hash);
    int refused =
        dnasync_cache_refused_has(ctx->cache, job->mailbox, job->day, job->shard, vid, hash);
    if (refused != 0)
        return refused < 0 ? (job->rc = sync_cache_fail(ctx)) : 0;
    sv_value_t *v = NULL;
    size_t n = 0;
    bool bundle = false;
    int rc = sv_decode_verify_all(ctx, job->mailbox, job->day, val, len, &v, &n, &bundle);
    if (rc == 0 && values_fit(job, vid, v, n)) {
        rc = apply_values(job, vid, v, n, bundle);
        if (rc != 0)
            job->rc = rc;
    } else if (rc == DNASYNC_EDHT || rc == DNASYNC_ETIMEOUT) {
        job->transient = true; /* cannot check it now; try again next pass */
    } else {
        /* Forged, mangled or misplaced (a bundle as a whole): counted once, not judged again. */
        ctx->rejected++;
        if (dnasync_cache_refused_add(ctx->cache, job->mailbox, job->day, job->shard, vid, hash) !=
            0)
            job->rc = sync_cache_fail(ctx);
    }
    sv_values_free(v, n);
    job->fetched++;
    /* below total only: the day's last report (download_day) is the one that reaches it */
    if (job->total >= 100 && job->fetched % 100 == 0 && job->fetched < job->total)
        sync_event_push(ctx, SYNC_EVENT_PROGRESS, NULL, job->fetched, job->total);
    return job->rc;
}

/* A listing is one node's view, not the union (OpenDHT 2.4's query de-duplication keeps only
 * the first answer, often this device's own partial store; docs/dht.md), so a shard that still
 * differs from its summaries after its listing and fetch is read again with a get, whose answers
 * are merged across every storing node, in one transaction. The get costs more (every node sends
 * every value), which is why it is the fallback and not the first read. */
static int read_whole(day_job_t *job)
{
    sync_context_t *ctx = job->ctx;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    net_key_box(job->mailbox, job->day, job->shard, key);
    if (dnasync_cache_begin(ctx->cache) != 0)
        return sync_cache_fail(ctx);
    int rc = net_get(ctx, key, on_value, job);
    if (rc == 0 && job->rc != 0)
        rc = job->rc;
    job->rc = 0;
    return sync_tx_finish(ctx, rc);
}

/* Keep of ids[0..*n) those still not held. */
static int keep_missing(day_job_t *job, uint64_t *ids, size_t *n)
{
    size_t still = 0;
    for (size_t i = 0; i < *n; i++) {
        int has =
            dnasync_cache_index_has(job->ctx->cache, job->mailbox, job->day, job->shard, ids[i]);
        if (has < 0)
            return sync_cache_fail(job->ctx);
        if (!has)
            ids[still++] = ids[i];
    }
    *n = still;
    return 0;
}

/* One shard the read-ahead brought, in one transaction: its values, then the ids a lossy read
 * lost asked for again here (SYNC_FETCH_ROUNDS reads in all, the read-ahead's the first). */
static int apply_read(day_job_t *job, ra_shard_t *r)
{
    sync_context_t *ctx = job->ctx;
    if (r->rc != 0)
        return dnasync_err_set(&ctx->err, r->rc, "%s", r->err);
    if (dnasync_cache_begin(ctx->cache) != 0)
        return sync_cache_fail(ctx);
    ctx->pending_downloads += r->n_ids;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->count; i++)
        rc = on_value(job, r->vals[i].id, r->vals[i].data, r->vals[i].len);
    size_t missing = r->n_ids;
    for (int round = 1; rc == 0 && missing > 0 && round < SYNC_FETCH_ROUNDS; round++) {
        rc = keep_missing(job, r->ids, &missing);
        for (size_t i = 0; rc == 0 && i < missing; i += SYNC_FETCH_CHUNK) {
            size_t k = missing - i < SYNC_FETCH_CHUNK ? missing - i : SYNC_FETCH_CHUNK;
            rc = net_get_ids(ctx, r->key, r->ids + i, k, on_value, job);
        }
    }
    ctx->pending_downloads -= r->n_ids;
    if (rc == 0 && job->rc != 0)
        rc = job->rc;
    job->rc = 0;
    return sync_tx_finish(ctx, rc);
}

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The day's differing shards, listed and fetched SYNC_READ_AHEAD at a time on worker threads
 * (sync_readahead.h) and applied here in order, each in its own transaction, its arrivals handed
 * to the caller once committed. complete (the complete read): a shard the listing left short is
 * read whole (SYNC_SHARD_ROUNDS), and a failed shard does not stop the others; a first look stops
 * at its first failure. Returns the first error. */
static int read_shards(day_job_t *job, bool complete)
{
    sync_context_t *ctx = job->ctx;
    ra_shard_t *rs = calloc(DNASYNC_DHT_SHARDS, sizeof *rs);
    unsigned shard_of[DNASYNC_DHT_SHARDS];
    if (!rs)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    size_t n = 0;
    held_ids_t *h = &job->held_ids;
    for (unsigned s = 0; s < DNASYNC_DHT_SHARDS; s++) {
        if (!acct_shard_differs(&job->acct, s))
            continue;
        net_key_box(job->mailbox, job->day, s, rs[n].key);
        if (h->n[s] > 1)
            qsort(h->id[s], h->n[s], sizeof *h->id[s], cmp_id);
        rs[n].held = h->id[s];
        rs[n].n_held = h->n[s];
        shard_of[n++] = s;
    }
    readahead_t *ra = n ? ra_start(ctx->net, rs, n) : NULL;
    int first_err = n && !ra ? dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory") : 0;
    for (size_t i = 0; ra && i < n; i++) {
        ra_shard_t *r = ra_next(ra);
        job->shard = shard_of[i];
        job->differed++;
        int frc = apply_read(job, r);
        ra_done(ra, r);
        for (int round = 1; frc == 0 && complete && round < SYNC_SHARD_ROUNDS &&
                            acct_shard_differs(&job->acct, job->shard);
             round++)
            frc = read_whole(job);
        if (frc != 0 && !first_err)
            first_err = frc;
        /* The shard is committed: hand its arrivals and the progress to the caller now, not at
         * the end of a long catch-up (the reads ahead go on meanwhile). */
        sync_events_flush_locked(ctx);
        if (frc != 0 && !complete)
            break;
    }
    ra_stop(ra);
    free(rs);
    return first_err;
}

static int held_add(held_ids_t *h, unsigned s, uint64_t vid)
{
    if (s >= DNASYNC_DHT_SHARDS)
        return 0;
    if (h->n[s] == h->cap[s]) {
        size_t cap = h->cap[s] ? 2 * h->cap[s] : 16;
        uint64_t *grown = realloc(h->id[s], cap * sizeof *grown);
        if (!grown)
            return 1;
        h->id[s] = grown;
        h->cap[s] = cap;
    }
    h->id[s][h->n[s]++] = vid;
    return 0;
}

static void job_free(day_job_t *job)
{
    acct_free(&job->acct);
    for (unsigned s = 0; s < DNASYNC_DHT_SHARDS; s++)
        free(job->held_ids.id[s]);
}

/* The held side of the accounting: every value of the day this device holds, by signer (a
 * value this device put is signed by this identity's key). */
static int on_held(void *user, unsigned shard, uint64_t vid, const uint8_t *author, int mine)
{
    day_job_t *job = user;
    if (held_add(&job->held_ids, shard, vid) != 0)
        return 1;
    if (!author && !mine)
        return 0;
    job->held++;
    return acct_hold(&job->acct, author ? author : job->ctx->id->sign_pk, shard, vid) != 0;
}

/* The claimed side: the summaries read from the day's key. Decoding is cheap and the
 * signature check is not, so a flooded key (a hostile node may serve any number) has the
 * summaries of keys this device already holds values of checked first, then others: a summary
 * checked before (the memo) costs nothing, and at most as many new checks as a dnasync node
 * keeps summaries are made per pass. Sets *flooded when that budget ran out. */
typedef struct sum_round {
    day_job_t *job;
    sv_summary_t s;
    int known;        /* 1: keys this device holds values of; 0: the others */
    size_t strangers; /* others checked so far (not counting memo hits) */
    bool flooded;
    bool look; /* a first look (look_day): refusals are counted by the complete read */
} sum_round_t;

/* New checks of strangers' summaries a first look may make, of the pass's DHT_SUMMARY_KEY_CAP:
 * the node that answers first cannot use up the checks the complete read needs. */
#define SYNC_LOOK_CHECKS 32

static int on_summary(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    (void)vid;
    sum_round_t *r = user;
    day_job_t *job = r->job;
    sync_context_t *ctx = job->ctx;
    if (sv_decode_summary(ctx, job->mailbox, job->day, val, len, false, &r->s) != 0) {
        ctx->rejected += (uint64_t)(r->known && !r->look); /* counted once, in the first round */
        return 0;
    }
    const acct_author_t *e = acct_find(&job->acct, r->s.author, false);
    if ((e && e->holding) != (r->known == 1))
        return 0;
    /* r->s came from these bytes: a summary verified before needs no second decode either */
    uint8_t hash[SHA256_DIGEST_LENGTH];
    SHA256(val, len, hash);
    uint8_t *seen = ctx->sum_verified[((size_t)hash[0] << 8 | hash[1]) % SYNC_SUM_VERIFIED_SLOTS];
    if (memcmp(seen, hash, sizeof hash) != 0) {
        if (!r->known && r->strangers >= (r->look ? SYNC_LOOK_CHECKS : DHT_SUMMARY_KEY_CAP)) {
            r->flooded = true;
            return 0;
        }
        r->strangers += !r->known;
        if (sv_decode_summary(ctx, job->mailbox, job->day, val, len, true, &r->s) != 0) {
            ctx->rejected += !r->look;
            return 0;
        }
        memcpy(seen, hash, sizeof hash);
    }
    return acct_add_summary(&job->acct, &r->s);
}

/* The claimed side: the summaries read from the day's key (see sum_round_t). The others are
 * taken from a random point of the key, a new one each pass: in the order read (value ids,
 * which anyone can grind) the same ones would use up the budget every pass and a writer behind
 * them would never be checked (tests/sync/test_sync_strangers.c). Together with the memo,
 * every writer of a key that honest nodes serve (at most a few times the cap) is checked
 * within a few passes. Sets *flooded when the key is at that cap or above. */
static int read_summaries(day_job_t *job, const net_multi_t *sums, bool look, size_t *strangers,
                          bool *flooded)
{
    sum_round_t *r = calloc(1, sizeof *r);
    if (!r)
        return dnasync_err_set(&job->ctx->err, DNASYNC_ENOMEM, "out of memory");
    r->job = job;
    r->look = look;
    r->strangers = *strangers; /* one budget per pass: a first look's checks count too */
    uint64_t start = 0;
    if (dnasync_env_random(job->ctx->env, (uint8_t *)&start, sizeof start) != 0) {
        free(r);
        return dnasync_err_set(&job->ctx->err, DNASYNC_EIO, "no random bytes");
    }
    int rc = 0;
    for (r->known = 1; rc == 0 && r->known >= 0; r->known--)
        rc = net_multi_each(sums, sums->count ? (size_t)(start % sums->count) : 0, on_summary, r);
    /* at the cap, nodes may have refused a writer's summary: the key may not show everyone */
    *flooded = r->flooded || sums->count >= DHT_SUMMARY_KEY_CAP;
    *strangers = r->strangers;
    free(r);
    acct_close_claims(&job->acct);
    return rc ? dnasync_err_set(&job->ctx->err, rc, "out of memory") : 0;
}

/* A known writer's summary, asked for by its id: it must be the value that id names. */
static int on_known(void *user, uint64_t vid, const uint8_t *val, size_t len)
{
    day_job_t *job = user;
    sv_summary_t s;
    if (sv_decode_summary(job->ctx, job->mailbox, job->day, val, len, true, &s) != 0 ||
        s.vid != vid)
        return 0;
    return acct_add_summary(&job->acct, &s);
}

/* The key cannot be trusted to show every writer (unreadable, flooded, or a held key's summary
 * missing): ask for the known writers' summaries by id. A failed read here changes nothing:
 * the day stays unverified for the reason that brought us here. */
static int read_known_writers(day_job_t *job)
{
    uint64_t ids[SYNC_KNOWN_WRITERS + 1];
    size_t n = 0;
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    int rc = sync_writers_ids(job->ctx, job->mailbox, job->day, ids, SYNC_KNOWN_WRITERS + 1, &n);
    if (rc == 0 && n > 0 && net_key_sum(job->mailbox, job->day, key) == 0 &&
        net_get_ids(job->ctx, key, ids, n, on_known, job) == DNASYNC_ENOMEM)
        rc = DNASYNC_ENOMEM;
    acct_close_claims(&job->acct);
    return rc;
}

/* Writers whose key this device holds values of become known writers of the mailbox. */
static int note_writers(day_job_t *job)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < job->acct.n_sums; i++) {
        const sv_summary_t *s = &job->acct.sums[i];
        const acct_author_t *e = acct_find(&job->acct, s->author, false);
        if (e && e->holding)
            rc = sync_writers_note(job->ctx, job->mailbox, job->day, s->author, s->writer);
    }
    return rc;
}

#define PROBLEM_KEY "day_problem:"

/* Record the day's outcome; why = NULL: verified. */
static int set_day(sync_context_t *ctx, int64_t day, const char *why)
{
    dnasync_cache_day_t state;
    if (dnasync_cache_day_get(ctx->cache, ctx->identity, day, &state) != 0)
        return sync_cache_fail(ctx);
    int64_t now = (int64_t)dnasync_env_now(ctx->env);
    state.verified = why == NULL;
    /* closed only when verified after the day ended: nothing unresolved is ever closed */
    state.closed = state.verified && now >= (day + 1) * DNASYNC_DAY_S + SYNC_DAY_GRACE_S;
    state.checked_at = now;
    char key[64];
    snprintf(key, sizeof key, PROBLEM_KEY "%lld", (long long)day);
    if (dnasync_cache_day_set(ctx->cache, ctx->identity, day, &state) != 0 ||
        (why ? dnasync_cache_meta_set(ctx->cache, key, why)
             : dnasync_cache_meta_delete(ctx->cache, key)) < 0)
        return sync_cache_fail(ctx);
    return DNASYNC_OK;
}

/* A job on one day of this device's own mailbox. */
static void job_init(day_job_t *job, sync_context_t *ctx, int64_t day)
{
    memset(job, 0, sizeof *job);
    job->ctx = ctx;
    job->mailbox = ctx->identity;
    job->day = day;
}

/* A first look at a day (docs/sync.md "First look"): view is the first answer one node gave to
 * the summary read still waiting for the others. Its claims only choose the shards to fetch
 * now, by listing (no whole-key read, which waits for every node); it never verifies the day:
 * download_day does that from the complete read, fetching what the first answer did not show
 * (a writer or a newer edition it lacked). A failure here changes nothing: the complete read
 * redoes it. */
static void look_day(sync_context_t *ctx, int64_t day, const net_multi_t *view, size_t *strangers,
                     size_t *fetched, size_t *new_msgs, size_t *deleted)
{
    day_job_t job;
    job_init(&job, ctx, day);
    bool flooded = false;
    if (dnasync_cache_index_each(ctx->cache, ctx->identity, day, on_held, &job) == 0 &&
        read_summaries(&job, view, true, strangers, &flooded) == 0) {
        for (unsigned s = 0; s < DNASYNC_DHT_SHARDS; s++)
            job.total += (size_t)acct_shard_missing(&job.acct, s);
        (void)read_shards(&job, false);
    }
    job_free(&job);
    *fetched = job.fetched; /* the day's last progress report is download_day's */
    *new_msgs += job.new_msgs;
    *deleted += job.deleted;
}

/* The pass log's line for a day: what was held, what the key showed (per writer: signing key
 * and device, edition, values claimed), what was fetched, the verdict. */
static void log_day(const day_job_t *job, const net_multi_t *sums, const char *why)
{
    if (!job->ctx->pass_log)
        return;
    char w[1024] = "";
    size_t at = 0;
    for (size_t i = 0; i < job->acct.n_sums && at < sizeof w - 64; i++) {
        const sv_summary_t *s = &job->acct.sums[i];
        uint64_t n = 0;
        for (unsigned k = 0; k < DNASYNC_DHT_SHARDS; k++)
            n += s->count[k];
        at += (size_t)snprintf(
            w + at, sizeof w - at, " %02x%02x%02x%02x/%02x%02x%02x%02x:v%llu:n%llu", s->author[0],
            s->author[1], s->author[2], s->author[3], s->writer[0], s->writer[1], s->writer[2],
            s->writer[3], (unsigned long long)s->version, (unsigned long long)n);
    }
    sync_plog(job->ctx,
              "day %lld: held %zu, key %zu summaries (rc %d), writers %zu:%s; shards read %zu, "
              "fetched %zu, new %zu; %s%s",
              (long long)job->day, job->held, sums->count, sums->rc, job->acct.n_sums, w,
              job->differed, job->fetched, job->new_msgs, why[0] ? "unverified: " : "verified",
              why);
}

/* sums: the day's summary key, already read (net_get_many). From its first look: strangers,
 * summaries of keys this device held nothing of that it checked (they count against the pass's
 * budget); looked, the values it fetched (progress counts them: one catch-up, one "N of N"). */
static int download_day(sync_context_t *ctx, int64_t day, net_multi_t *sums, size_t strangers,
                        size_t looked, size_t *new_msgs, size_t *deleted)
{
    char why[320] = "";
    day_job_t job;
    job_init(&job, ctx, day);
    bool flooded = false;
    int read_rc = 0;
    int first_err = dnasync_cache_index_each(ctx->cache, ctx->identity, day, on_held, &job);
    if (first_err < 0) {
        job_free(&job);
        return sync_cache_fail(ctx);
    }
    if (first_err)
        first_err = dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    else if (sums->rc != 0)
        read_rc = dnasync_err_set(&ctx->err, sums->rc, "DHT get of day %lld's summaries failed",
                                  (long long)day);
    else
        first_err = read_summaries(&job, sums, false, &strangers, &flooded);
    if (!first_err && (read_rc || flooded || acct_unaccounted(&job.acct)))
        first_err = read_known_writers(&job);
    bool ready = first_err == 0;
    for (unsigned s = 0; ready && s < DNASYNC_DHT_SHARDS; s++)
        job.total += (size_t)acct_shard_missing(&job.acct, s);
    job.total += looked;
    job.fetched = looked;
    if (ready)
        first_err = read_shards(&job, true); /* a failed shard leaves the day unverified */
    /* The last progress report of a reported day: "N of N" when everything came (a whole-key
     * re-read counts values twice, hence the clamp); less when something is still missing. */
    if (job.total >= 100) {
        sync_event_push(ctx, SYNC_EVENT_PROGRESS, NULL,
                        job.fetched < job.total ? job.fetched : job.total, job.total);
        sync_events_flush_locked(ctx);
    }
    if (ready && note_writers(&job) != 0 && !first_err)
        first_err = DNASYNC_EIO;
    if (read_rc)
        snprintf(why, sizeof why, "its summaries could not be read: %s", dnasync_strerror(read_rc));
    else if (flooded)
        snprintf(why, sizeof why,
                 "%zu summaries on its key, at or over the %d a dnasync node keeps: flooded, "
                 "a writer's summary may be hidden",
                 sums->count, DHT_SUMMARY_KEY_CAP);
    else if (first_err)
        snprintf(why, sizeof why, "a read failed: %s", dnasync_strerror(first_err));
    else if (job.transient)
        snprintf(why, sizeof why, "a value could not be checked yet (sender's identity not found)");
    else if (!acct_verdict(&job.acct, why, sizeof why))
        why[0] = '\0';
    int rc = set_day(ctx, day, why[0] ? why : NULL);
    log_day(&job, sums, why);
    job_free(&job);
    *new_msgs += job.new_msgs;
    *deleted += job.deleted;
    return read_rc ? read_rc : first_err ? first_err : rc;
}

typedef struct looks {
    sync_context_t *ctx;
    int64_t days[SYNC_WINDOW_DAYS + 1];
    bool look[SYNC_WINDOW_DAYS + 1];        /* not verified at its last check: worth a first look */
    size_t strangers[SYNC_WINDOW_DAYS + 1]; /* new summary checks the look made */
    size_t fetched[SYNC_WINDOW_DAYS + 1];   /* values it fetched */
    size_t new_msgs, deleted;
} looks_t;

static void on_look(void *user, size_t item, const net_multi_t *view)
{
    looks_t *l = user;
    if (l->look[item])
        look_day(l->ctx, l->days[item], view, &l->strangers[item], &l->fetched[item], &l->new_msgs,
                 &l->deleted);
}

/* Every open day of [from, to]: the summary reads at once, then each day (download_days). */
static int download_window(sync_context_t *ctx, int64_t from, int64_t to, size_t *new_msgs,
                           size_t *deleted)
{
    int rc = 0, first_err = 0;
    size_t n = 0, d = 0, count = 0, closed = 0;
    net_multi_t sums[SYNC_WINDOW_DAYS + 1];
    looks_t looks = {ctx, {0}, {0}, {0}, {0}, 0, 0};
    int64_t *days = looks.days;
    for (int64_t day = from; day <= to && count < SYNC_WINDOW_DAYS + 1; day++) {
        dnasync_cache_day_t state;
        if (dnasync_cache_day_get(ctx->cache, ctx->identity, day, &state) != 0)
            return sync_cache_fail(ctx);
        if (state.closed) {
            closed++;
            continue; /* verified after it ended: nothing can change there any more */
        }
        memset(&sums[count], 0, sizeof sums[count]);
        net_key_sum(ctx->identity, day, sums[count].key);
        looks.look[count] = !state.verified;
        days[count++] = day;
    }
    sync_plog(ctx, "days %lld..%lld: %zu open read, %zu closed skipped", (long long)from,
              (long long)to, count, closed);
    /* One summary read per open day, all at once: the latency of one get, not of 31; a day not
     * verified before is fetched from the first answer while the slower nodes are waited for. */
    net_get_many(ctx, sums, count, on_look, &looks);
    n += looks.new_msgs;
    d += looks.deleted;
    for (size_t i = 0; i < count; i++) {
        rc = download_day(ctx, days[i], &sums[i], looks.strangers[i], looks.fetched[i], &n, &d);
        if (rc != 0 && !first_err)
            first_err = rc;
    }
    net_multi_free(sums, count);
    if (!first_err && dnasync_cache_state_set_download_time(
                          ctx->cache, ctx->device_id, (int64_t)dnasync_env_now(ctx->env)) != 0)
        first_err = sync_cache_fail(ctx);
    if (new_msgs)
        *new_msgs = n;
    if (deleted)
        *deleted = d;
    return first_err;
}

/* Another thread's download is in an event gap: wait (bounded) until it is over. */
static int download_begin(sync_context_t *ctx)
{
    struct timespec ts;
    dnasync_deadline_ms(&ts, SYNC_DOWNLOAD_WAIT_MS);
    while (ctx->downloading)
        if (pthread_cond_timedwait(&ctx->download_cv, &ctx->lock, &ts) == ETIMEDOUT &&
            ctx->downloading)
            return dnasync_err_set(&ctx->err, DNASYNC_ETIMEOUT,
                                   "another pass's download did not end in %d s",
                                   SYNC_DOWNLOAD_WAIT_MS / 1000);
    ctx->downloading = true;
    return DNASYNC_OK;
}

static void download_end(sync_context_t *ctx)
{
    ctx->downloading = false;
    pthread_cond_broadcast(&ctx->download_cv);
}

static int download_days(sync_context_t *ctx, int64_t from, int64_t to, size_t *new_msgs,
                         size_t *deleted)
{
    int rc = sync_need_network(ctx);
    if (rc == 0)
        rc = download_begin(ctx);
    if (rc != 0)
        return rc;
    rc = download_window(ctx, from, to, new_msgs, deleted);
    download_end(ctx);
    return rc;
}

int sync_download_window_locked(sync_context_t *ctx, size_t *new_msgs, size_t *deleted)
{
    int64_t today = sync_today(ctx);
    return download_days(ctx, today - SYNC_WINDOW_DAYS, today, new_msgs, deleted);
}

int sync_download_recent_locked(sync_context_t *ctx, size_t *new_msgs)
{
    int64_t today = sync_today(ctx);
    return download_days(ctx, today - 1, today, new_msgs, NULL);
}

/* New messages of one conversation (NULL = all): the mailbox holds every conversation, so the
 * whole window is read and the new messages of that conversation counted. */
int sync_download_messages(sync_context_t *ctx, const char *conversation_id)
{
    pthread_mutex_lock(&ctx->lock);
    size_t before = 0, after = 0, n = 0;
    int rc = dnasync_cache_count_conversation(ctx->cache, conversation_id, &before);
    if (rc == 0)
        rc = sync_download_window_locked(ctx, &n, NULL);
    if (rc == 0 && dnasync_cache_count_conversation(ctx->cache, conversation_id, &after) != 0)
        rc = sync_cache_fail(ctx);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc != 0 ? rc : (int)(after - before);
}

int sync_download_all(sync_context_t *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    size_t n = 0;
    int rc = sync_download_window_locked(ctx, &n, NULL);
    pthread_mutex_unlock(&ctx->lock);
    sync_events_deliver(ctx);
    return rc != 0 ? rc : (int)n;
}
