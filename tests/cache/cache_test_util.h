/* Helpers shared by the cache tests: temp cache files, message builders, invariant checks. */
#ifndef DNASYNC_CACHE_TEST_UTIL_H
#define DNASYNC_CACHE_TEST_UTIL_H

#include "cache/cache.h"
#include "check.h"
#include "crypto/ids.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tcache {
    char *dir;
    char path[4200];
    dnasync_cache_t *c;
} tcache_t;

static inline void tcache_open(tcache_t *t, const char *self)
{
    t->dir = test_tmpdir("cache");
    snprintf(t->path, sizeof t->path, "%s/cache.db", t->dir);
    int rc = dnasync_cache_open(t->path, &t->c);
    if (rc)
        fprintf(stderr, "open: %s\n", dnasync_last_error());
    CHECK_EQ_INT(rc, 0);
    if (self)
        CHECK_EQ_INT(dnasync_cache_set_self(t->c, self), 0);
}

static inline void tcache_close(tcache_t *t)
{
    dnasync_cache_free(t->c);
    t->c = NULL;
    test_rmtree(t->dir);
    free(t->dir);
}

/* A message with a real id; ciphertext = text bytes. Caller clears with message_info_clear. */
static inline void mk_msg(message_info_t *m, const char *sender, const char *recipient,
                          int64_t created_at, const char *text)
{
    memset(m, 0, sizeof *m);
    m->sender = strdup(sender);
    m->recipient = strdup(recipient);
    m->ciphertext_len = strlen(text);
    m->ciphertext = malloc(m->ciphertext_len + 1);
    CHECK(m->sender && m->recipient && m->ciphertext);
    memcpy(m->ciphertext, text, m->ciphertext_len);
    m->created_at = created_at;
    CHECK_EQ_INT(dnasync_message_id(sender, recipient, (uint64_t)created_at, m->ciphertext,
                                    m->ciphertext_len, m->message_id),
                 0);
}

static inline int64_t sql_int(dnasync_cache_t *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(dnasync_cache_db(c), sql, -1, &st, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
    return v;
}

/* Every sync_state row's pending_uploads equals the number of rows with synced_to_dht = 0. */
static inline void check_pending_invariant(dnasync_cache_t *c)
{
    int64_t want = sql_int(c, "SELECT count(*) FROM messages WHERE synced_to_dht = 0");
    int64_t bad = sql_int(c, "SELECT count(*) FROM sync_state WHERE pending_uploads IS NOT "
                             "(SELECT count(*) FROM messages WHERE synced_to_dht = 0)");
    CHECK_EQ_INT(bad, 0);
    size_t n = 0;
    CHECK_EQ_INT(dnasync_cache_pending_count(c, &n), 0);
    CHECK_EQ_INT(n, want);
    dnasync_sync_state_t s;
    CHECK_EQ_INT(dnasync_cache_state_get(c, "0123456789abcdef0123456789abcdef", &s), 0);
    CHECK_EQ_INT(s.pending_uploads, want);
}

#endif
