/* The DHT index and per-day completeness (migration 4), plus counts and meta iteration. */
#include "cache/cache_int.h"

#include <string.h>

int dnasync_cache_message_count(dnasync_cache_t *c, size_t *n)
{
    sqlite3_stmt *st = c->st[ST_MSG_COUNT];
    int rc = cache_step(c, st, "count messages");
    if (rc < 0)
        return rc;
    *n = (size_t)sqlite3_column_int64(st, 0);
    cache_done(st);
    return DNASYNC_OK;
}

int dnasync_cache_count_conversation(dnasync_cache_t *c, const char *conversation_id, size_t *n)
{
    sqlite3_stmt *st = c->st[ST_CONV_MSG_COUNT];
    int rc = cache_bind_text(c, st, 1, conversation_id);
    if (rc == 0)
        rc = cache_step(c, st, "count conversation");
    if (rc < 0)
        return rc;
    *n = (size_t)sqlite3_column_int64(st, 0);
    cache_done(st);
    return DNASYNC_OK;
}

int dnasync_cache_meta_each(dnasync_cache_t *c, const char *prefix,
                            void (*cb)(void *user, const char *key, const char *value), void *user)
{
    sqlite3_stmt *st = c->st[ST_META_PREFIX];
    int rc = cache_bind_text(c, st, 1, prefix);
    while (rc == 0 && (rc = cache_step(c, st, "list meta")) == 1) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        if (k && v && strncmp(k, prefix, strlen(prefix)) == 0)
            cb(user, k, v);
        rc = 0;
    }
    if (rc == 0)
        cache_done(st);
    return rc < 0 ? rc : DNASYNC_OK;
}

static int bind_bucket(dnasync_cache_t *c, sqlite3_stmt *st, const char *mailbox, int64_t day)
{
    int rc = cache_bind_text(c, st, 1, mailbox);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, day);
    return rc;
}

int dnasync_cache_index_add(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                            uint64_t vid, const char *message_id, int kind, int mine)
{
    sqlite3_stmt *st = c->st[ST_INDEX_ADD];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, shard);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, (int64_t)vid); /* stored as its two's-complement twin */
    if (rc == 0)
        rc = cache_bind_text(c, st, 5, message_id);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 6, kind);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 7, mine ? 1 : 0);
    return rc == 0 ? cache_run(c, st, "add to the DHT index") : rc;
}

int dnasync_cache_index_add_signed(dnasync_cache_t *c, const char *mailbox, int64_t day,
                                   unsigned shard, uint64_t vid, const char *message_id, int kind,
                                   const uint8_t author[32])
{
    sqlite3_stmt *st = c->st[ST_INDEX_ADD_SIGNED];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, shard);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, (int64_t)vid);
    if (rc == 0)
        rc = cache_bind_text(c, st, 5, message_id);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 6, kind);
    if (rc == 0)
        rc = cache_bind_blob(c, st, 7, author, 32);
    return rc == 0 ? cache_run(c, st, "add to the DHT index") : rc;
}

int dnasync_cache_index_each(dnasync_cache_t *c, const char *mailbox, int64_t day,
                             int (*cb)(void *user, unsigned shard, uint64_t vid,
                                       const uint8_t *author, int mine),
                             void *user)
{
    sqlite3_stmt *st = c->st[ST_INDEX_EACH];
    int rc = bind_bucket(c, st, mailbox, day), stop = 0;
    while (rc == 0 && !stop && (rc = cache_step(c, st, "walk the DHT index")) == 1) {
        int64_t shard = sqlite3_column_int64(st, 0);
        const void *a = sqlite3_column_blob(st, 2);
        int mine = sqlite3_column_int(st, 3);
        rc = 0;
        if (shard < 0 || shard >= DNASYNC_INDEX_SHARDS)
            continue;
        if (a && sqlite3_column_bytes(st, 2) != 32)
            continue; /* not written by this cache: never counted for anyone */
        stop = cb(user, (unsigned)shard, (uint64_t)sqlite3_column_int64(st, 1), a, mine);
    }
    if (rc >= 0)
        cache_done(st);
    return rc < 0 ? rc : stop;
}

int dnasync_cache_index_has(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                            uint64_t vid)
{
    sqlite3_stmt *st = c->st[ST_INDEX_HAS];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, shard);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, (int64_t)vid);
    if (rc == 0)
        rc = cache_step(c, st, "look up the DHT index");
    if (rc >= 0)
        cache_done(st);
    return rc;
}

int dnasync_cache_index_summary(dnasync_cache_t *c, const char *mailbox, int64_t day, int mine_only,
                                uint32_t *count, uint64_t *xor_ids)
{
    memset(count, 0, DNASYNC_INDEX_SHARDS * sizeof *count);
    memset(xor_ids, 0, DNASYNC_INDEX_SHARDS * sizeof *xor_ids);
    sqlite3_stmt *st = c->st[ST_INDEX_SHARDS];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, mine_only ? 1 : 0);
    while (rc == 0 && (rc = cache_step(c, st, "summarise the DHT index")) == 1) {
        int64_t shard = sqlite3_column_int64(st, 0);
        if (shard >= 0 && shard < DNASYNC_INDEX_SHARDS) {
            count[shard]++;
            xor_ids[shard] ^= (uint64_t)sqlite3_column_int64(st, 1);
        }
        rc = 0;
    }
    if (rc == 0)
        cache_done(st);
    return rc < 0 ? rc : DNASYNC_OK;
}

int dnasync_cache_index_shard(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint32_t *count, uint64_t *xor_ids)
{
    *count = 0;
    *xor_ids = 0;
    sqlite3_stmt *st = c->st[ST_INDEX_SHARD];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, shard);
    while (rc == 0 && (rc = cache_step(c, st, "summarise a shard")) == 1) {
        (*count)++;
        *xor_ids ^= (uint64_t)sqlite3_column_int64(st, 1);
        rc = 0;
    }
    if (rc == 0)
        cache_done(st);
    return rc < 0 ? rc : DNASYNC_OK;
}

int dnasync_cache_day_get(dnasync_cache_t *c, const char *mailbox, int64_t day,
                          dnasync_cache_day_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = c->st[ST_DAY_GET];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_step(c, st, "read a day's state");
    if (rc == 1) {
        out->verified = sqlite3_column_int(st, 0);
        out->closed = sqlite3_column_int(st, 1);
        out->checked_at = sqlite3_column_int64(st, 2);
    }
    if (rc >= 0)
        cache_done(st);
    return rc < 0 ? rc : DNASYNC_OK;
}

int dnasync_cache_day_set(dnasync_cache_t *c, const char *mailbox, int64_t day,
                          const dnasync_cache_day_t *in)
{
    sqlite3_stmt *st = c->st[ST_DAY_SET];
    int rc = bind_bucket(c, st, mailbox, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, in->verified ? 1 : 0);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, in->closed ? 1 : 0);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 5, in->checked_at);
    return rc == 0 ? cache_run(c, st, "record a day's state") : rc;
}
