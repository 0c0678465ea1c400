/* Test helper: one messages row as text, to show that a read changed nothing. */
#ifndef DNASYNC_TEST_ROW_TEXT_H
#define DNASYNC_TEST_ROW_TEXT_H

#include <sqlite3.h>

/* Every column of the messages row with this message_id, as SQL literals joined by '|' (blobs
 * as X'..'). CHECKs that the row exists. malloc'd; caller frees. */
char *test_row_text(sqlite3 *db, const char *message_id);

#endif
