/* Ciphertext compression (migration 5): a cheap entropy check, deflate only for the payloads
 * that pass it, inflate on read, and the counters. docs/cache.md ("Ciphertext compression"). */
#define _POSIX_C_SOURCE 200809L
#include "cache/cache_int.h"
#include "crypto/envelope.h"

#include <stdlib.h>
#include <string.h>

/* The entropy check. What the cache stores is nearly always an envelope: ML-KEM ciphertexts,
 * nonces and AES-GCM output, bytes that look uniformly random and that deflate can only make
 * larger. Running deflate on each would cost a full pass over the payload (plus resetting the
 * deflate state) on every insert for nothing, so first a byte histogram over a sample: the
 * whole payload when it has at most 512 bytes, else 8 runs of 64 bytes spread evenly from the
 * first byte to the last (runs rather than single bytes: a few cache-line reads that still see
 * the head, the middle and the tail). The histogram gives the collision rate, how often two
 * sample positions hold the same byte value: sum c(c-1) / s(s-1). Uniform bytes give 1/256;
 * chat text 1/8..1/20, hex 1/16, base64 1/64. A payload is a candidate above 1/100 (Rényi
 * entropy below 6.6 bits per byte). For a 512-byte sample of random bytes the count is
 * 1022 +- 45 against a threshold of 2616, so an envelope is in effect never a candidate; for a
 * 64-byte sample it is 16 +- 6 against 40 (simulated: 0.06% are). A wrong "candidate" costs one
 * deflate, a wrong "no" only space. Not seen by the check: bytes that are uniform one by one but
 * repeat whole blocks (the same random block twice), which deflate would shrink; envelopes never
 * repeat themselves. A histogram of at most 512 bytes costs well under a microsecond, against
 * the ~50 us of the row's INSERT. */
#define SAMPLE_MAX 512
#define SAMPLE_RUNS 8
#define SAMPLE_RUN 64 /* SAMPLE_RUNS * SAMPLE_RUN == SAMPLE_MAX */

int cache_ct_candidate(const uint8_t *p, size_t n)
{
    if (!p || n < CACHE_COMPRESS_MIN || n > DNASYNC_ENVELOPE_MAX_BYTES)
        return 0;
    uint16_t hist[256];
    memset(hist, 0, sizeof hist);
    uint64_t s;
    if (n <= SAMPLE_MAX) {
        for (size_t i = 0; i < n; i++)
            hist[p[i]]++;
        s = n;
    } else {
        for (size_t k = 0; k < SAMPLE_RUNS; k++) {
            const uint8_t *run = p + k * (n - SAMPLE_RUN) / (SAMPLE_RUNS - 1);
            for (size_t i = 0; i < SAMPLE_RUN; i++)
                hist[run[i]]++;
        }
        s = SAMPLE_MAX;
    }
    uint64_t pairs = 0;
    for (int b = 0; b < 256; b++) {
        uint64_t h = hist[b];
        pairs += h ? h * (h - 1) : 0;
    }
    return 100 * pairs > s * (s - 1);
}

void cache_ct_encode(dnasync_cache_t *c, const uint8_t *raw, size_t len, const uint8_t **out,
                     size_t *out_len, int *enc)
{
    *out = raw;
    *out_len = len;
    *enc = CACHE_CT_RAW;
    if (!cache_ct_candidate(raw, len))
        return;
    if (!c->zbuf && !(c->zbuf = malloc(DNASYNC_ENVELOPE_MAX_BYTES)))
        return;
    if (!c->zdef_ready) {
        memset(&c->zdef, 0, sizeof c->zdef);
        if (deflateInit2(&c->zdef, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK)
            return;
        c->zdef_ready = 1;
    } else if (deflateReset(&c->zdef) != Z_OK) {
        return;
    }
    /* Room for len - 1 bytes only: a stream that does not end inside it is not smaller. */
    c->zdef.next_in = (Bytef *)(uintptr_t)raw; /* zlib's API is not const; it only reads */
    c->zdef.avail_in = (uInt)len;
    c->zdef.next_out = c->zbuf;
    c->zdef.avail_out = (uInt)(len - 1);
    if (deflate(&c->zdef, Z_FINISH) != Z_STREAM_END)
        return;
    *out = c->zbuf;
    *out_len = (size_t)c->zdef.total_out;
    *enc = CACHE_CT_ZLIB;
}

int cache_ct_decode(dnasync_cache_t *c, const char *id, const uint8_t *blob, size_t blob_len,
                    int64_t orig_len, uint8_t **out)
{
    *out = NULL;
    if (orig_len < CACHE_COMPRESS_MIN || orig_len > (int64_t)DNASYNC_ENVELOPE_MAX_BYTES ||
        blob_len == 0 || blob_len >= (size_t)orig_len)
        return dnasync_err_set(&c->err, DNASYNC_ECORRUPT,
                               "cache: message %.64s: compressed ciphertext of %zu bytes claims "
                               "%lld original bytes (must be %d..%d and more than stored)",
                               id, blob_len, (long long)orig_len, CACHE_COMPRESS_MIN,
                               (int)DNASYNC_ENVELOPE_MAX_BYTES);
    if (!c->zinf_ready) {
        memset(&c->zinf, 0, sizeof c->zinf);
        int zr = inflateInit(&c->zinf);
        if (zr != Z_OK)
            return dnasync_err_set(&c->err, zr == Z_MEM_ERROR ? DNASYNC_ENOMEM : DNASYNC_EIO,
                                   "cache: cannot set up zlib inflate (zlib error %d)", zr);
        c->zinf_ready = 1;
    } else if (inflateReset(&c->zinf) != Z_OK) {
        return dnasync_err_set(&c->err, DNASYNC_EIO, "cache: cannot reset zlib inflate");
    }
    uint8_t *buf = malloc((size_t)orig_len);
    if (!buf)
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory reading a row");
    c->zinf.next_in = (Bytef *)(uintptr_t)blob; /* read only */
    c->zinf.avail_in = (uInt)blob_len;
    c->zinf.next_out = buf;
    c->zinf.avail_out = (uInt)orig_len;
    int zr = inflate(&c->zinf, Z_FINISH);
    if (zr == Z_STREAM_END && c->zinf.total_out == (uLong)orig_len && c->zinf.avail_in == 0) {
        *out = buf;
        return 0;
    }
    free(buf);
    if (zr == Z_MEM_ERROR)
        return dnasync_err_set(&c->err, DNASYNC_ENOMEM, "cache: out of memory inflating a row");
    const char *why;
    if (zr == Z_STREAM_END)
        why = c->zinf.avail_in ? "bytes after the end of the stream" : "wrong original length";
    else if (zr == Z_BUF_ERROR && c->zinf.avail_in > 0)
        why = "inflates to more than the recorded original length";
    else if (zr == Z_BUF_ERROR)
        why = "truncated stream";
    else
        why = c->zinf.msg ? c->zinf.msg : "invalid stream";
    return dnasync_err_set(&c->err, DNASYNC_ECORRUPT,
                           "cache: message %.64s: stored compressed ciphertext is corrupt (%s; "
                           "%zu bytes, %lld expected after inflating)",
                           id, why, blob_len, (long long)orig_len);
}

void cache_ct_free(dnasync_cache_t *c)
{
    if (c->zdef_ready)
        (void)deflateEnd(&c->zdef); /* Z_DATA_ERROR only says a stream was left unfinished */
    if (c->zinf_ready)
        (void)inflateEnd(&c->zinf);
    c->zdef_ready = c->zinf_ready = 0;
    free(c->zbuf);
    c->zbuf = NULL;
}

int dnasync_cache_compression_stats(dnasync_cache_t *c, int64_t *rows, int64_t *compressed_rows,
                                    int64_t *raw_bytes, int64_t *stored_bytes)
{
    if (!c)
        return DNASYNC_EINVAL;
    sqlite3_stmt *st = c->st[ST_COMPRESS_STATS];
    int rc = cache_step(c, st, "compression stats");
    if (rc == 1) {
        int64_t *dst[4] = {rows, compressed_rows, raw_bytes, stored_bytes};
        for (int i = 0; i < 4; i++)
            if (dst[i])
                *dst[i] = sqlite3_column_int64(st, i);
        rc = 0;
    } else if (rc == 0) {
        rc = dnasync_err_set(&c->err, DNASYNC_EIO, "cache: compression stats: no row");
    }
    cache_done(st);
    return rc;
}
