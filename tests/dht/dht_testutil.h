/* Helpers for the DHT tests: signed sample values and node processes. */
#ifndef DNASYNC_TEST_DHT_UTIL_H
#define DNASYNC_TEST_DHT_UTIL_H

#include "dht/dht.h"
#include "netwait.h" /* tu_wait_peers */

#include <sys/types.h>

/* A deterministic Ed25519 seed from a small number. */
void tu_seed(uint8_t sk[32], unsigned n);
/* A message id (64 hex) from a counter; its first byte is (n % 256) so shards are spread. */
void tu_message_id(char out[65], unsigned n);
/* Encoded, signed MESSAGE value with payload_len bytes of payload. *out freed with free(). */
void tu_message(uint8_t **out, size_t *len, unsigned n, const char *sender, const char *recipient,
                size_t payload_len, uint64_t created, const uint8_t sk[32]);
/* Encoded, signed TOMBSTONE for message n. */
void tu_tombstone(uint8_t **out, size_t *len, unsigned n, const char *owner, uint64_t created,
                  const uint8_t sk[32]);
/* Start a lone loopback context (bootstrap may be NULL). */
/* tu_strict: strict_types for the next contexts tu_ctx makes (default 0). */
extern int tu_strict;
dht_storage_context_t *tu_ctx(const char *bootstrap, const dnasync_env_t *env);
/* A put confirmed and retried the way the engine puts (dht_put_batch): a single dht_put can
 * report failure while the writer's search is young (test_dht_editions failed so in CI).
 * Returns the item's status. */
int tu_put_confirmed(dht_storage_context_t *ctx, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                     const uint8_t *value, size_t len, uint16_t type, uint64_t id,
                     uint64_t created);
/* A MESSAGE, TOMBSTONE or SUMMARY value put the way the engine puts it (sync_bundle.c,
 * sync_outbox.c), through dht_put_batch: a message into its recipient's and its sender's
 * mailbox bucket of upload_time's day, a tombstone into its owner's, a summary at its own
 * sum/<mailbox>/<day>; `created` by the one rule (net/net.h): the message's created_at, the
 * tombstone's deleted_at, the summary's put (upload_time). key_out (may be NULL) gets the first
 * key (the recipient's bucket). Returns 0 once every put is confirmed, else the first item's
 * failing status. */
int tu_put_value(dht_storage_context_t *ctx, const uint8_t *value, size_t len, uint64_t upload_time,
                 uint8_t key_out[DNASYNC_DHT_KEY_BYTES]);
/* "127.0.0.1:PORT" of a context. */
void tu_addr(dht_storage_context_t *ctx, char out[32]);
/* Path of the node test driver (dnasync-node-test beside the test executables). */
const char *tu_node_exe(void);
/* Spawn a node process; waits for its "listening on" line; *port gets the port. -1 on failure. */
pid_t tu_spawn_node(char *const extra_args[], const char *log_path, int *port);

#endif
