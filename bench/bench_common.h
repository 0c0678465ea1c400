/* Shared helpers of the bench programs (bench/README in BENCHMARKS.md): clocks, result lines,
 * DHT request counters, homes on the bench network, and raw encoded values for the floors.
 *
 * Every bench program prints its figures as lines "RESULT <name> <value>" on stdout; the script
 * (scripts/bench.sh) collects them over runs and prints the table. */
#ifndef DNASYNC_BENCH_COMMON_H
#define DNASYNC_BENCH_COMMON_H

#include "dht/dht.h"
#include "dnasync/home.h"

#include <stddef.h>
#include <stdint.h>

double bench_mono(void);    /* CLOCK_MONOTONIC, seconds */
double bench_cpu(void);     /* CLOCK_PROCESS_CPUTIME_ID, seconds (all threads) */
long bench_maxrss_kb(void); /* getrusage(RUSAGE_SELF).ru_maxrss */
void bench_result(const char *name, double value);
_Noreturn void bench_die(const char *fmt, ...);
void bench_sleep_ms(unsigned ms);

/* DHT requests issued by this process's node(s), counted at the adapter boundary (the link
 * wraps dnad_put / dnad_get / dnad_held_async (counted as gets) / dnad_list_ids / dnad_listen
 * and dnasync_sign_verify, see
 * bench/CMakeLists.txt). */
typedef struct bench_counts {
    uint64_t puts, put_bytes;  /* values sent */
    uint64_t gets, get_values; /* get requests (whole key or by ids) and values received */
    uint64_t get_bytes;        /* payload bytes received */
    uint64_t lists, list_ids;  /* id listings and ids received */
    uint64_t listens;
    uint64_t gets_whole; /* of gets: whole-key reads (summaries; a short shard's fallback) */
    uint64_t verifies;   /* Ed25519 signature checks (dnasync_sign_verify) */
    uint64_t wire;       /* OpenDHT protocol requests the tracked node sent (all kinds) */
} bench_counts_t;
/* The node whose OpenDHT requests bench_counts_now reads into .wire (NULL: none). What the wire
 * carries differs from the adapter calls: OpenDHT 2.4 fetches each value of a get with its own
 * request to every storing node (a SELECT id, then a get per id). */
void bench_counts_track(dht_storage_context_t *dht);
void bench_counts_now(bench_counts_t *out);
uint64_t bench_counts_requests(const bench_counts_t *a, const bench_counts_t *b); /* b - a */
uint64_t bench_counts_bytes(const bench_counts_t *a, const bench_counts_t *b);    /* b - a */

/* Homes. The name's folder is <dir>/<tag>. */
void bench_home_init(const char *dir, const char *tag, const char *name);
void bench_home_link(const char *dir, const char *tag, const char *from_tag);
dnasync_home_t *bench_home_open(const char *dir, const char *tag, const char *boot,
                                const char *profile, const dnasync_env_t *env);
/* Bounded wait (10 s) until the node's routing table holds at least n nodes. */
void bench_wait_nodes(dht_storage_context_t *dht, uint32_t n);

/* A raw DHT client configured as a home's node, bootstrapped to boot. */
dht_storage_context_t *bench_dht_open(const char *boot);

/* The bench's messages: a text of 1,024 bytes that differs per index. */
#define BENCH_BODY 1024
void bench_text(char out[BENCH_BODY + 1], size_t i);

/* Encoded, signed MESSAGE values of the same sizes as dnasync's (sender = recipient = mailbox,
 * payload = an envelope of a 1 KiB body sealed to one ML-KEM-512 key). */
typedef struct bench_value {
    char message_id[65];
    uint8_t *data;
    size_t len;
    uint64_t vid;
} bench_value_t;
bench_value_t *bench_make_values(const char *mailbox, size_t n, uint64_t created);
void bench_free_values(bench_value_t *v, size_t n);

/* Read/write small state files of a run (the upload day, the naive ids). */
void bench_write_file(const char *path, const char *text);
char *bench_read_file(const char *path); /* malloc'd; NULL if absent */

#endif
