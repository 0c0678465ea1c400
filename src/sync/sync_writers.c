/* Known writers of a mailbox (sync_writers.h), kept in sync_meta as
 * "writer:<mailbox>:<author hex>:<writer hex>" = the last day a summary of theirs was read. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_writers.h"

#include "common/hex.h"
#include "dnasync/identity.h"
#include "sync/sync_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITER_KEY "writer:"

typedef struct writer {
    uint8_t author[32], writer[16];
    int64_t day;
} writer_t;

typedef struct walk {
    writer_t w[SYNC_KNOWN_WRITERS];
    size_t n;
    size_t prefix;
} walk_t;

/* Keeps the SYNC_KNOWN_WRITERS most recent entries. */
static void on_entry(void *user, const char *key, const char *value)
{
    walk_t *k = user;
    writer_t w;
    const char *a = key + k->prefix;
    if (strlen(a) != 64 + 1 + 32 || a[64] != ':')
        return;
    char ahex[65];
    memcpy(ahex, a, 64);
    ahex[64] = '\0';
    if (dnasync_hex_decode(ahex, w.author, 32) != 0 ||
        dnasync_hex_decode(a + 65, w.writer, 16) != 0)
        return;
    w.day = strtoll(value, NULL, 10);
    size_t at = k->n;
    if (k->n == SYNC_KNOWN_WRITERS) {
        at = 0;
        for (size_t i = 1; i < k->n; i++)
            if (k->w[i].day < k->w[at].day)
                at = i;
        if (k->w[at].day >= w.day)
            return;
    } else {
        k->n++;
    }
    k->w[at] = w;
}

int sync_writers_note(sync_context_t *ctx, const char *mailbox, int64_t day,
                      const uint8_t author[32], const uint8_t writer[16])
{
    char key[DNASYNC_NAME_MAX + 128], num[32], *old = NULL;
    int n = snprintf(key, sizeof key, WRITER_KEY "%s:", mailbox);
    dnasync_hex_encode(author, 32, key + n);
    key[n + 64] = ':';
    dnasync_hex_encode(writer, 16, key + n + 65);
    int rc = dnasync_cache_meta_get(ctx->cache, key, &old);
    int64_t last = rc == 0 && old ? strtoll(old, NULL, 10) : -1;
    free(old);
    if (last >= day)
        return DNASYNC_OK;
    snprintf(num, sizeof num, "%lld", (long long)day);
    return dnasync_cache_meta_set(ctx->cache, key, num) == 0 ? DNASYNC_OK : sync_cache_fail(ctx);
}

int sync_writers_ids(sync_context_t *ctx, const char *mailbox, int64_t day, uint64_t *ids,
                     size_t max, size_t *n)
{
    *n = 0;
    walk_t *k = calloc(1, sizeof *k);
    if (!k)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    char prefix[DNASYNC_NAME_MAX + 16];
    snprintf(prefix, sizeof prefix, WRITER_KEY "%s:", mailbox);
    k->prefix = strlen(prefix);
    int rc = dnasync_cache_meta_each(ctx->cache, prefix, on_entry, k);
    uint8_t me[16];
    if (rc == 0 && max > 0 && dnasync_hex_decode(ctx->device_id, me, sizeof me) == 0)
        ids[(*n)++] = sv_summary_vid(mailbox, day, me, ctx->id->sign_pk);
    for (size_t i = 0; rc == 0 && i < k->n && *n < max; i++) {
        uint64_t id = sv_summary_vid(mailbox, day, k->w[i].writer, k->w[i].author);
        if (*n == 0 || id != ids[0])
            ids[(*n)++] = id;
    }
    free(k);
    return rc == 0 ? DNASYNC_OK : sync_cache_fail(ctx);
}
