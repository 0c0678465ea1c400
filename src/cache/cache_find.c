/* Message ids by prefix, for short ids typed by a person (dnasync read 1a2b3c4d). */
#include "cache/cache_int.h"

#include <stdio.h>
#include <string.h>

int dnasync_cache_find_ids(dnasync_cache_t *c, const char *prefix, size_t max,
                           dnasync_cache_id_match_t *out, size_t *count, int *more_out)
{
    if (!c || !prefix || !out || !count || !more_out || max == 0)
        return DNASYNC_EINVAL;
    *count = 0;
    *more_out = 0;
    size_t len = strlen(prefix);
    if (len == 0 || len > DNASYNC_ID_HEX_LEN || strspn(prefix, "0123456789abcdef") != len)
        return dnasync_err_set(&c->err, DNASYNC_EINVAL,
                               "cache: an id prefix is 1..64 lowercase hex characters");
    /* A range on the primary key: every id with the prefix sorts in [prefix, prefix + "g"). */
    char upper[DNASYNC_ID_HEX_LEN + 2];
    snprintf(upper, sizeof upper, "%sg", prefix);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db,
                                "SELECT message_id, deleted FROM messages WHERE message_id >= ?1 "
                                "AND message_id < ?2 ORDER BY message_id LIMIT ?3",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return cache_sql_err(c, rc, "find ids");
    rc = cache_bind_text(c, st, 1, prefix);
    if (rc == 0)
        rc = cache_bind_text(c, st, 2, upper);
    if (rc == 0)
        rc = cache_bind_i64(c, st, 3, (int64_t)max + 1);
    while (rc == 0 && (rc = cache_step(c, st, "find ids")) == 1) {
        rc = 0;
        if (*count == max) { /* the one extra row: more match than the caller can take */
            *more_out = 1;
            break;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(out[*count].message_id, sizeof out[*count].message_id, "%s", id ? id : "");
        out[*count].deleted = sqlite3_column_int(st, 1) != 0;
        (*count)++;
    }
    sqlite3_finalize(st);
    return rc;
}
