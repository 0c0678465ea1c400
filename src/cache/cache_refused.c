/* Values the sync engine refused, by (bucket, value id, content hash): a forgery that reuses a
 * genuine value's id is remembered as itself, so it is not judged again, and never stands for
 * the genuine value (issue 10, D3). */
#include "cache/cache_int.h"

static int bind_refused(dnasync_cache_t *c, sqlite3_stmt *st, const char *mailbox, int64_t day,
                        unsigned shard, uint64_t vid, const uint8_t hash[32])
{
    int rc = cache_bind_text(c, st, 1, mailbox);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 2, day);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, shard);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 4, (int64_t)vid);
    if (rc == 0)
        rc = cache_bind_blob(c, st, 5, hash, 32);
    return rc;
}

int dnasync_cache_refused_has(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint64_t vid, const uint8_t hash[32])
{
    sqlite3_stmt *st = c->st[ST_REFUSED_HAS];
    int rc = bind_refused(c, st, mailbox, day, shard, vid, hash);
    if (rc == 0)
        rc = cache_step(c, st, "look up refused values");
    if (rc >= 0)
        cache_done(st);
    return rc;
}

int dnasync_cache_refused_add(dnasync_cache_t *c, const char *mailbox, int64_t day, unsigned shard,
                              uint64_t vid, const uint8_t hash[32])
{
    sqlite3_stmt *st = c->st[ST_REFUSED_ADD];
    int rc = bind_refused(c, st, mailbox, day, shard, vid, hash);
    return rc == 0 ? cache_run(c, st, "remember a refused value") : rc;
}
