/* Opening the cache: pragmas, the migration steps, and the statements prepared once. */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- migrations: applied in order, each in its own transaction, under PRAGMA user_version.
 * Never edit a released step: add a new one (later steps may ALTER TABLE ... ADD COLUMN). ---- */

static const char MIGRATION_1[] =
    /* The spec's four tables, exactly as ../shared/spec/sync-protocol.md writes them. */
    "CREATE TABLE messages (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    message_id TEXT UNIQUE NOT NULL,\n"
    "    conversation_id TEXT NOT NULL,\n"
    "    sender TEXT NOT NULL,\n"
    "    recipient TEXT NOT NULL,\n"
    "    ciphertext BLOB NOT NULL,\n"
    "    status TEXT DEFAULT 'sent',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    delivered_at INTEGER,\n"
    "    read_at INTEGER,\n"
    "    synced_to_dht BOOLEAN DEFAULT 0,\n"
    "    deleted BOOLEAN DEFAULT 0,\n"
    "    group_id INTEGER\n"
    ");\n"
    "CREATE TABLE conversations (\n"
    "    id TEXT PRIMARY KEY,\n"
    "    type TEXT NOT NULL,\n"
    "    participants TEXT NOT NULL,\n"
    "    last_message_at INTEGER,\n"
    "    unread_count INTEGER DEFAULT 0,\n"
    "    last_sync_time INTEGER DEFAULT 0\n"
    ");\n"
    "CREATE TABLE sync_state (\n"
    "    device_id TEXT PRIMARY KEY,\n"
    "    last_upload_time INTEGER,\n"
    "    last_download_time INTEGER,\n"
    "    pending_uploads INTEGER DEFAULT 0,\n"
    "    pending_downloads INTEGER DEFAULT 0\n"
    ");\n"
    "CREATE TABLE tombstones (\n"
    "    message_id TEXT PRIMARY KEY,\n"
    "    deleted_at INTEGER NOT NULL,\n"
    "    synced_to_dht BOOLEAN DEFAULT 0\n"
    ");\n"
    /* Indexes (docs/cache.md says which query uses which). */
    "CREATE INDEX idx_messages_pending ON messages(synced_to_dht) WHERE synced_to_dht = 0;\n"
    "CREATE INDEX idx_messages_recipient ON messages(recipient, created_at DESC, id DESC);\n"
    "CREATE INDEX idx_messages_conversation ON messages(conversation_id, created_at DESC, id "
    "DESC);\n"
    "CREATE INDEX idx_messages_created ON messages(created_at);\n"
    "CREATE INDEX idx_conversations_last ON conversations(last_message_at DESC);\n"
    "CREATE INDEX idx_tombstones_pending ON tombstones(synced_to_dht) WHERE synced_to_dht = 0;\n"
    "CREATE INDEX idx_tombstones_deleted_at ON tombstones(deleted_at);\n";

static const char MIGRATION_2[] =
    "CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n";

/* pending_uploads == count(synced_to_dht = 0), kept by triggers inside the writing statement's
 * own transaction, so any writer (also raw SQL on dnasync_cache_db) keeps it true. */
static const char MIGRATION_3[] =
    "CREATE TRIGGER trg_pending_insert AFTER INSERT ON messages WHEN NEW.synced_to_dht IS 0\n"
    "BEGIN UPDATE sync_state SET pending_uploads = IFNULL(pending_uploads, 0) + 1; END;\n"
    "CREATE TRIGGER trg_pending_delete AFTER DELETE ON messages WHEN OLD.synced_to_dht IS 0\n"
    "BEGIN UPDATE sync_state SET pending_uploads = IFNULL(pending_uploads, 0) - 1; END;\n"
    "CREATE TRIGGER trg_pending_update AFTER UPDATE OF synced_to_dht ON messages\n"
    "WHEN (OLD.synced_to_dht IS 0) <> (NEW.synced_to_dht IS 0)\n"
    "BEGIN UPDATE sync_state SET pending_uploads = IFNULL(pending_uploads, 0)\n"
    "    + (NEW.synced_to_dht IS 0) - (OLD.synced_to_dht IS 0); END;\n"
    "CREATE TRIGGER trg_state_insert AFTER INSERT ON sync_state\n"
    "BEGIN UPDATE sync_state SET pending_uploads =\n"
    "    (SELECT count(*) FROM messages WHERE synced_to_dht = 0)\n"
    "    WHERE device_id = NEW.device_id; END;\n"
    "UPDATE sync_state SET pending_uploads =\n"
    "    (SELECT count(*) FROM messages WHERE synced_to_dht = 0);\n";

/* The sync engine's view of the DHT: which value ids this device holds per (mailbox, upload day,
 * shard), and which days of the 30-day window it has proven complete (docs/sync.md). */
static const char MIGRATION_4[] =
    "CREATE TABLE dht_index (mailbox TEXT NOT NULL, day INTEGER NOT NULL,\n"
    "    shard INTEGER NOT NULL, value_id INTEGER NOT NULL, message_id TEXT NOT NULL,\n"
    "    kind INTEGER NOT NULL, mine INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (mailbox, day, shard, value_id)) WITHOUT ROWID;\n"
    "CREATE TABLE sync_days (mailbox TEXT NOT NULL, day INTEGER NOT NULL,\n"
    "    verified INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,\n"
    "    checked_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (mailbox, day)) WITHOUT ROWID;\n";

/* Cached ciphertext stored zlib-compressed where that makes it strictly smaller (cache_compress.c):
 * ciphertext_encoding 0 = the bytes as they are, 1 = a zlib stream of them; ciphertext_len = the
 * original length of an encoding-1 row (NULL for raw rows). Existing rows stay raw. */
static const char MIGRATION_5[] =
    "ALTER TABLE messages ADD COLUMN ciphertext_encoding INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE messages ADD COLUMN ciphertext_len INTEGER;\n";

/* The outbox of summaries (docs/sync.md, "The outbox"): a (mailbox, day) whose summary this
 * device must (re-)put, with the doorbell value to ring after it, written in the transaction that
 * marks the values synced. seq (never reused) tells a newer mark from the one a publisher read.
 * The few pairs an older version remembered in sync_meta ("summary_dirty:<day>:<mailbox>") move
 * here. */
static const char MIGRATION_6[] =
    "CREATE TABLE summary_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    mailbox TEXT NOT NULL, day INTEGER NOT NULL, bell BLOB,\n"
    "    bell_kind INTEGER NOT NULL DEFAULT 0, bell_vid INTEGER NOT NULL DEFAULT 0,\n"
    "    bell_created INTEGER NOT NULL DEFAULT 0, UNIQUE (mailbox, day));\n"
    "INSERT OR IGNORE INTO summary_outbox (mailbox, day)\n"
    "    SELECT substr(k, instr(k, ':') + 1), CAST(substr(k, 1, instr(k, ':') - 1) AS INTEGER)\n"
    "    FROM (SELECT substr(key, 15) AS k FROM sync_meta\n"
    "          WHERE substr(key, 1, 14) = 'summary_dirty:') WHERE instr(k, ':') > 1;\n"
    "DELETE FROM sync_meta WHERE substr(key, 1, 14) = 'summary_dirty:';\n";

/* Issue 10: a day's summaries are compared per author, so each held value records the key that
 * signed it (NULL: this device put it, i.e. this identity's key). Refused values are kept apart,
 * by (value id, content hash), so a forgery never blocks the genuine value of its id. Rows from
 * before are dropped (not what this device put: those are fetched again, idempotently) and every
 * day is re-checked: they were verified by the old, summed comparison. */
static const char MIGRATION_7[] =
    "ALTER TABLE dht_index ADD COLUMN author BLOB;\n"
    "DELETE FROM dht_index WHERE mine = 0;\n"
    "CREATE TABLE dht_refused (mailbox TEXT NOT NULL, day INTEGER NOT NULL,\n"
    "    shard INTEGER NOT NULL, value_id INTEGER NOT NULL, hash BLOB NOT NULL,\n"
    "    PRIMARY KEY (mailbox, day, shard, value_id, hash)) WITHOUT ROWID;\n"
    "UPDATE sync_days SET verified = 0, closed = 0;\n";

/* Bundles (issue 14, docs/sync.md "Bundles"): a bundle is recorded, bytes and members, in the
 * transaction before its put and forgotten in the one that marks its members synced, so a crash
 * in between re-puts the same bytes under the same id. bundle_members says which message's
 * message, tombstone or receipt (kind = the bundle's value kind) a recorded bundle carries.
 * IF NOT EXISTS: tests that wind a cache back to an older version by hand leave these tables. */
static const char MIGRATION_8[] =
    "CREATE TABLE IF NOT EXISTS bundle_outbox (mailbox TEXT NOT NULL, value_id INTEGER NOT NULL,\n"
    "    day INTEGER NOT NULL, shard INTEGER NOT NULL, kind INTEGER NOT NULL,\n"
    "    created INTEGER NOT NULL, value BLOB NOT NULL,\n"
    "    PRIMARY KEY (mailbox, value_id)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS bundle_members (mailbox TEXT NOT NULL, value_id INTEGER NOT NULL,\n"
    "    kind INTEGER NOT NULL, message_id TEXT NOT NULL,\n"
    "    PRIMARY KEY (mailbox, value_id, message_id)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS idx_bundle_members_id ON bundle_members(message_id, kind);\n";

static const char *const MIGRATIONS[] = {MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4,
                                         MIGRATION_5, MIGRATION_6, MIGRATION_7, MIGRATION_8};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))
_Static_assert(N_MIGRATIONS == DNASYNC_CACHE_SCHEMA_VERSION, "schema version = migration count");

/* ---- statements ---- */

#define LIST_TAIL " ORDER BY created_at DESC, id DESC LIMIT ?4"
static const char *const SQL[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT dnasync_cache",
    [ST_RELEASE] = "RELEASE dnasync_cache",
    [ST_ROLLBACK_TO] = "ROLLBACK TO dnasync_cache",
    [ST_USER_VERSION] = "PRAGMA user_version",
    [ST_MSG_INSERT] =
        "INSERT INTO messages (message_id, conversation_id, sender, recipient, ciphertext, "
        "status, created_at, delivered_at, read_at, synced_to_dht, deleted, group_id, "
        "ciphertext_encoding, ciphertext_len) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
        "ON CONFLICT(message_id) DO NOTHING",
    [ST_MSG_GET] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE message_id = ?1",
    [ST_MSG_HAS] = "SELECT 1 FROM messages WHERE message_id = ?1",
    [ST_MSG_INFO] = "SELECT conversation_id, status, deleted, sender, recipient FROM messages "
                    "WHERE message_id = ?1",
    [ST_TOMB_EXISTS] = "SELECT 1 FROM tombstones WHERE message_id = ?1",
    [ST_CONV_UPSERT] =
        "INSERT INTO conversations (id, type, participants, last_message_at, unread_count) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET "
        "last_message_at = CASE WHEN excluded.last_message_at IS NULL THEN last_message_at "
        "WHEN last_message_at IS NULL THEN excluded.last_message_at "
        "ELSE max(last_message_at, excluded.last_message_at) END, "
        "unread_count = IFNULL(unread_count, 0) + excluded.unread_count",
    [ST_CONV_UNREAD_DEC] = "UPDATE conversations SET unread_count = "
                           "max(IFNULL(unread_count, 0) - 1, 0) WHERE id = ?1",
    [ST_CONV_REFRESH_LAST] = "UPDATE conversations SET last_message_at = (SELECT max(created_at) "
                             "FROM messages WHERE conversation_id = ?1 AND deleted = 0) "
                             "WHERE id = ?1",
    [ST_PENDING] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE synced_to_dht = 0 AND id > ?1 "
                   "ORDER BY id LIMIT ?2",
    [ST_MARK_SYNCED] = "UPDATE messages SET synced_to_dht = 1 WHERE message_id = ?1 AND "
                       "synced_to_dht IS NOT 1",
    [ST_PENDING_COUNT] = "SELECT count(*) FROM messages WHERE synced_to_dht = 0",
    [ST_LIST_ALL] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE (?3 OR deleted = 0)" LIST_TAIL,
    [ST_LIST_CONV] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE conversation_id = ?1 AND "
                     "(?3 OR deleted = 0)" LIST_TAIL,
    [ST_LIST_RCPT] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE recipient = ?2 AND "
                     "(?3 OR deleted = 0)" LIST_TAIL,
    [ST_LIST_CONV_RCPT] = "SELECT " CACHE_MSG_COLS " FROM messages WHERE conversation_id = ?1 "
                          "AND recipient = ?2 AND (?3 OR deleted = 0)" LIST_TAIL,
    [ST_MARK_READ] = "UPDATE messages SET status = 'read', read_at = ?2 WHERE message_id = ?1",
    [ST_MARK_DELIVERED] =
        "UPDATE messages SET status = CASE WHEN status IS 'read' THEN status ELSE 'delivered' "
        "END, delivered_at = IFNULL(delivered_at, ?2) WHERE message_id = ?1",
    [ST_IDS_BETWEEN] = "SELECT message_id, deleted FROM messages WHERE created_at >= ?1 AND "
                       "created_at < ?2 ORDER BY created_at",
    [ST_PRUNE_CONV_FIX] =
        "UPDATE conversations SET "
        "last_message_at = (SELECT max(m.created_at) FROM messages m WHERE m.conversation_id = "
        "conversations.id AND m.deleted = 0 AND NOT (m.created_at < ?1 AND m.synced_to_dht = "
        "1)), "
        "unread_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = "
        "conversations.id AND m.deleted = 0 AND m.status IS NOT 'read' AND m.recipient = ?2 AND "
        "m.sender <> ?2 AND NOT (m.created_at < ?1 AND m.synced_to_dht = 1)) "
        "WHERE id IN (SELECT conversation_id FROM messages WHERE created_at < ?1 AND "
        "synced_to_dht = 1)",
    [ST_PRUNE_DELETE] = "DELETE FROM messages WHERE created_at < ?1 AND synced_to_dht = 1",
    [ST_MSG_SOFT_DELETE] = "UPDATE messages SET deleted = 1 WHERE message_id = ?1 AND "
                           "deleted IS NOT 1",
    [ST_TOMB_UPSERT] =
        "INSERT INTO tombstones (message_id, deleted_at, synced_to_dht) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(message_id) DO UPDATE SET "
        "deleted_at = max(deleted_at, excluded.deleted_at), "
        "synced_to_dht = CASE WHEN excluded.deleted_at > deleted_at THEN excluded.synced_to_dht "
        "ELSE max(IFNULL(synced_to_dht, 0), excluded.synced_to_dht) END "
        "WHERE excluded.deleted_at > deleted_at OR (excluded.deleted_at = deleted_at AND "
        "excluded.synced_to_dht > IFNULL(synced_to_dht, 0))",
    [ST_TOMB_PENDING] = "SELECT message_id, deleted_at FROM tombstones WHERE synced_to_dht = 0 "
                        "ORDER BY rowid LIMIT ?1",
    [ST_TOMB_MARK_SYNCED] = "UPDATE tombstones SET synced_to_dht = 1 WHERE message_id = ?1 AND "
                            "synced_to_dht IS NOT 1",
    [ST_TOMB_GET] = "SELECT deleted_at, synced_to_dht FROM tombstones WHERE message_id = ?1",
    [ST_TOMB_BETWEEN] = "SELECT message_id, deleted_at FROM tombstones WHERE deleted_at >= ?1 "
                        "AND deleted_at < ?2 ORDER BY deleted_at",
    [ST_TOMB_PENDING_COUNT] = "SELECT count(*) FROM tombstones WHERE synced_to_dht = 0",
    [ST_CONV_LIST] = "SELECT id, type, participants, last_message_at, unread_count, "
                     "last_sync_time FROM conversations ORDER BY last_message_at DESC, id",
    [ST_CONV_GET] = "SELECT id, type, participants, last_message_at, unread_count, "
                    "last_sync_time FROM conversations WHERE id = ?1",
    [ST_CONV_SET_SYNC] = "UPDATE conversations SET last_sync_time = ?2 WHERE id = ?1",
    [ST_STATE_GET] = "SELECT last_upload_time, last_download_time, pending_uploads, "
                     "pending_downloads FROM sync_state WHERE device_id = ?1",
    [ST_STATE_ENSURE] = "INSERT INTO sync_state (device_id) VALUES (?1) "
                        "ON CONFLICT(device_id) DO NOTHING",
    [ST_STATE_SET_UP] = "UPDATE sync_state SET last_upload_time = ?2 WHERE device_id = ?1",
    [ST_STATE_SET_DOWN] = "UPDATE sync_state SET last_download_time = ?2 WHERE device_id = ?1",
    [ST_STATE_SET_PD] = "UPDATE sync_state SET pending_downloads = ?2 WHERE device_id = ?1",
    [ST_META_GET] = "SELECT value FROM sync_meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO sync_meta (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [ST_META_DEL] = "DELETE FROM sync_meta WHERE key = ?1",
    [ST_META_PREFIX] = "SELECT key, value FROM sync_meta WHERE key >= ?1 AND key < ?1 || x'ff' "
                       "ORDER BY key",
    [ST_MSG_COUNT] = "SELECT count(*) FROM messages",
    [ST_CONV_MSG_COUNT] = "SELECT count(*) FROM messages WHERE ?1 IS NULL OR conversation_id = ?1",
    [ST_INDEX_ADD] = "INSERT INTO dht_index (mailbox, day, shard, value_id, message_id, kind, "
                     "mine) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET "
                     "mine = max(mine, excluded.mine)",
    [ST_INDEX_HAS] = "SELECT 1 FROM dht_index WHERE mailbox = ?1 AND day = ?2 AND shard = ?3 AND "
                     "value_id = ?4",
    [ST_INDEX_SHARDS] = "SELECT shard, value_id FROM dht_index WHERE mailbox = ?1 AND day = ?2 "
                        "AND kind <> 3 AND (?3 = 0 OR mine = 1)",
    [ST_INDEX_SHARD] = "SELECT count(*), value_id FROM dht_index WHERE mailbox = ?1 AND day = ?2 "
                       "AND shard = ?3 AND kind <> 3 GROUP BY value_id",
    [ST_INDEX_EACH] = "SELECT shard, value_id, author, mine FROM dht_index WHERE mailbox = ?1 AND "
                      "day = ?2 AND kind <> 3",
    [ST_INDEX_ADD_SIGNED] =
        "INSERT INTO dht_index (mailbox, day, shard, value_id, message_id, kind, mine, author) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) ON CONFLICT DO NOTHING",
    [ST_REFUSED_HAS] = "SELECT 1 FROM dht_refused WHERE mailbox = ?1 AND day = ?2 AND shard = ?3 "
                       "AND value_id = ?4 AND hash = ?5",
    [ST_REFUSED_ADD] = "INSERT INTO dht_refused (mailbox, day, shard, value_id, hash) VALUES "
                       "(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [ST_DAY_GET] = "SELECT verified, closed, checked_at FROM sync_days WHERE mailbox = ?1 AND "
                   "day = ?2",
    [ST_DAY_SET] = "INSERT INTO sync_days (mailbox, day, verified, closed, checked_at) VALUES "
                   "(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET verified = excluded.verified, "
                   "closed = excluded.closed, checked_at = excluded.checked_at",
    [ST_COMPRESS_STATS] =
        "SELECT count(*), IFNULL(sum(ciphertext_encoding = 1), 0), "
        "IFNULL(sum(CASE WHEN ciphertext_encoding = 1 THEN ciphertext_len "
        "ELSE length(ciphertext) END), 0), IFNULL(sum(length(ciphertext)), 0) FROM messages",
    [ST_OUTBOX_MARK] = "INSERT OR REPLACE INTO summary_outbox (mailbox, day, bell, bell_kind, "
                       "bell_vid, bell_created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_OUTBOX_LIST] = "SELECT seq, mailbox, day, bell, bell_kind, bell_vid, bell_created FROM "
                       "summary_outbox ORDER BY seq",
    [ST_OUTBOX_CLEAR] = "DELETE FROM summary_outbox WHERE seq = ?1",
    [ST_OUTBOX_COUNT] = "SELECT count(*) FROM summary_outbox",
};

static int read_user_version(dnasync_cache_t *c, int *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return cache_sql_err(c, rc, "read the schema version");
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int e = cache_sql_err(c, rc, "read the schema version");
        sqlite3_finalize(st);
        return e;
    }
    *v = sqlite3_column_int(st, 0);
    rc = sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : cache_sql_err(c, rc, "read the schema version");
}

static int exec(dnasync_cache_t *c, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return 0;
    int e = dnasync_err_set(
        &c->err, rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? DNASYNC_ECORRUPT : DNASYNC_EIO,
        "cache: %s: %s (sqlite error %d)", what, msg ? msg : sqlite3_errstr(rc), rc);
    sqlite3_free(msg);
    return e;
}

static int check_not_newer(dnasync_cache_t *c)
{
    int v = 0;
    int rc = read_user_version(c, &v);
    if (rc)
        return rc;
    if (v > DNASYNC_CACHE_SCHEMA_VERSION || v < 0)
        return dnasync_err_set(&c->err, DNASYNC_ECORRUPT,
                               "cache: the database has schema version %d but this program "
                               "knows only up to %d; upgrade dnasync (the database was not "
                               "modified)",
                               v, DNASYNC_CACHE_SCHEMA_VERSION);
    return 0;
}

static int migrate(dnasync_cache_t *c)
{
    for (int step = 1; step <= N_MIGRATIONS; step++) {
        int rc = exec(c, "BEGIN IMMEDIATE", "begin migration");
        if (rc)
            return rc;
        int v = 0;
        rc = read_user_version(c, &v); /* re-read inside the lock: another process may have won */
        if (rc == 0 && v > DNASYNC_CACHE_SCHEMA_VERSION)
            rc = check_not_newer(c);
        if (rc == 0 && v < step) {
            char what[64], pragma[64];
            snprintf(what, sizeof what, "migration %d", step);
            rc = exec(c, MIGRATIONS[step - 1], what);
            snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", step);
            if (rc == 0)
                rc = exec(c, pragma, what);
        }
        if (rc == 0)
            rc = exec(c, "COMMIT", "commit migration");
        if (rc) {
            dnasync_err_t keep = c->err;
            if (!sqlite3_get_autocommit(c->db))
                (void)exec(c, "ROLLBACK", "rollback migration");
            c->err = keep;
            return rc;
        }
    }
    return 0;
}

static int journal_cb(void *user, int ncol, char **vals, char **names)
{
    (void)names;
    char *mode = user;
    if (ncol > 0 && vals[0])
        snprintf(mode, 16, "%s", vals[0]);
    return 0;
}

static int setup(dnasync_cache_t *c)
{
    int rc = sqlite3_busy_timeout(c->db, 5000);
    if (rc != SQLITE_OK)
        return cache_sql_err(c, rc, "set busy_timeout");
    /* Refuse a newer schema before anything (even the journal mode) is written. */
    if ((rc = check_not_newer(c)))
        return rc;
    char mode[16] = "";
    char *msg = NULL;
    int src = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", journal_cb, mode, &msg);
    if (src != SQLITE_OK) {
        rc = dnasync_err_set(&c->err, src == SQLITE_NOTADB ? DNASYNC_ECORRUPT : DNASYNC_EIO,
                             "cache: set WAL mode: %s (sqlite error %d)",
                             msg ? msg : sqlite3_errstr(src), src);
        sqlite3_free(msg);
        return rc;
    }
    if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
        return dnasync_err_set(&c->err, DNASYNC_EIO, "cache: WAL mode refused (journal_mode=%s)",
                               mode);
    if ((rc = exec(c, "PRAGMA synchronous=NORMAL", "set synchronous")))
        return rc;
    if ((rc = migrate(c)))
        return rc;
    for (int i = 0; i < ST_COUNT; i++) {
        src = sqlite3_prepare_v3(c->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
        if (src != SQLITE_OK) {
            char what[48];
            snprintf(what, sizeof what, "prepare statement %d", i);
            return cache_sql_err(c, src, what);
        }
    }
    return 0;
}

/* On failure the reason stays in the thread's last error (set by the failing step). */
static int finish_open(dnasync_cache_t *c, dnasync_cache_t **out)
{
    int rc = setup(c);
    if (rc) {
        dnasync_cache_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* 1 when path is an existing empty file whose write-ahead log holds nothing either: not a cache
 * (SQLite would silently start a new, empty one over it). A new cache is made only where no file
 * exists; a new database in WAL mode can have a 0-byte main file while its data is in -wal. */
static int empty_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
        return 0;
    char wal[4200];
    if (snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal)
        return 0;
    return stat(wal, &st) != 0 || st.st_size == 0;
}

int dnasync_cache_open(const char *path, dnasync_cache_t **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return dnasync_err_set(NULL, DNASYNC_EINVAL, "cache: no path given");
    if (empty_file(path))
        return dnasync_err_set(NULL, DNASYNC_ECORRUPT,
                               "cache: %s is an empty file (0 bytes), not a dnasync cache: it "
                               "may have been truncated, so no new cache is started over it "
                               "(move it away to start an empty one)",
                               path);
    dnasync_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return dnasync_err_set(NULL, DNASYNC_ENOMEM, "cache: out of memory");
    c->owns_db = 1;
    int rc = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        int e = dnasync_err_set(NULL, rc == SQLITE_NOMEM ? DNASYNC_ENOMEM : DNASYNC_EIO,
                                "cache: cannot open %s: %s", path,
                                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        dnasync_cache_free(c);
        return e;
    }
    rc = finish_open(c, out);
    if (rc) /* name the file, so the user knows which one */
        dnasync_err_set(NULL, rc, "%s: %s", path, dnasync_last_error());
    return rc;
}

int dnasync_cache_wrap(sqlite3 *db, dnasync_cache_t **out)
{
    if (out)
        *out = NULL;
    if (!db || !out)
        return dnasync_err_set(NULL, DNASYNC_EINVAL, "cache: no database given");
    dnasync_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return dnasync_err_set(NULL, DNASYNC_ENOMEM, "cache: out of memory");
    c->db = db;
    c->owns_db = 0;
    return finish_open(c, out);
}

void dnasync_cache_free(dnasync_cache_t *c)
{
    if (!c)
        return;
    if (c->db && !sqlite3_get_autocommit(c->db) && c->st[ST_ROLLBACK])
        (void)cache_run(c, c->st[ST_ROLLBACK], "rollback at close");
    for (int i = 0; i < ST_COUNT; i++)
        (void)sqlite3_finalize(c->st[i]); /* NULL is a no-op; errors were reported at step */
    if (c->owns_db && c->db)
        (void)sqlite3_close_v2(c->db); /* all our statements are finalized above */
    cache_ct_free(c);
    free(c->self);
    free(c);
}

sqlite3 *dnasync_cache_db(dnasync_cache_t *c)
{
    return c ? c->db : NULL;
}

const char *dnasync_cache_errmsg(const dnasync_cache_t *c)
{
    return c ? dnasync_err_msg(&c->err) : "cache: no handle";
}

int dnasync_cache_user_version(dnasync_cache_t *c)
{
    if (!c)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_USER_VERSION];
    int rc = cache_step(c, st, "read user_version");
    if (rc < 0)
        return rc;
    if (rc == 0) {
        cache_done(st);
        return dnasync_err_set(&c->err, DNASYNC_EIO, "cache: PRAGMA user_version gave no row");
    }
    int v = sqlite3_column_int(st, 0);
    cache_done(st);
    return v;
}

int dnasync_cache_set_self(dnasync_cache_t *c, const char *identity)
{
    if (!c)
        return DNASYNC_EINVAL;
    char *copy = NULL;
    if (identity && !(copy = strdup(identity)))
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory");
    free(c->self);
    c->self = copy;
    return 0;
}

int dnasync_cache_begin(dnasync_cache_t *c)
{
    if (!c)
        return DNASYNC_EINVAL;
    if (!sqlite3_get_autocommit(c->db))
        return dnasync_err_set(&c->err, DNASYNC_EINVAL, "cache: a transaction is already open");
    return cache_run(c, c->st[ST_BEGIN], "begin");
}

int dnasync_cache_commit(dnasync_cache_t *c)
{
    if (!c)
        return DNASYNC_EINVAL;
    return cache_run(c, c->st[ST_COMMIT], "commit");
}

int dnasync_cache_rollback(dnasync_cache_t *c)
{
    if (!c)
        return DNASYNC_EINVAL;
    if (sqlite3_get_autocommit(c->db))
        return 0; /* nothing open (SQLite may already have rolled back after an error) */
    return cache_run(c, c->st[ST_ROLLBACK], "rollback");
}
