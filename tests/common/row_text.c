#define _POSIX_C_SOURCE 200809L
#include "row_text.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

char *test_row_text(sqlite3 *db, const char *message_id)
{
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db,
                                    "SELECT quote(id)||'|'||quote(message_id)||'|'||"
                                    "quote(conversation_id)||'|'||quote(sender)||'|'||"
                                    "quote(recipient)||'|'||quote(ciphertext)||'|'||quote(status)"
                                    "||'|'||quote(created_at)||'|'||quote(delivered_at)||'|'||"
                                    "quote(read_at)||'|'||quote(synced_to_dht)||'|'||"
                                    "quote(deleted)||'|'||quote(group_id)||'|'||"
                                    "quote(ciphertext_encoding)||'|'||quote(ciphertext_len) "
                                    "FROM messages WHERE message_id = ?1",
                                    -1, &st, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_bind_text(st, 1, message_id, -1, SQLITE_TRANSIENT), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    char *t = strdup((const char *)sqlite3_column_text(st, 0));
    CHECK(t);
    CHECK_EQ_INT(sqlite3_finalize(st), SQLITE_OK);
    return t;
}
