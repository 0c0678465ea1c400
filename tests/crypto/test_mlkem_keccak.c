/* Keccak-f[1600] and a SHAKE128 sponge (FIPS 202), for tests only. */
#include "test_mlkem_keccak.h"

#include <string.h>

#define RATE 168

static uint64_t rotl(uint64_t x, unsigned n)
{
    return n ? (x << n) | (x >> (64 - n)) : x;
}

/* Round constants from the rc LFSR (FIPS 202 Alg. 5, 6) and rho offsets from the (x, y)
 * walk (Alg. 2), computed once rather than transcribed. */
static uint64_t rc[24];
static unsigned rho_off[25];
static int tables_ready;

static int rc_bit(unsigned t)
{
    uint8_t r = 1;
    for (unsigned i = 0; i < t % 255; i++)
        r = (uint8_t)((r << 1) ^ ((r & 0x80) ? 0x71 : 0));
    return r & 1;
}

static void init_tables(void)
{
    for (unsigned ir = 0; ir < 24; ir++) {
        rc[ir] = 0;
        for (unsigned j = 0; j <= 6; j++)
            if (rc_bit(j + 7 * ir))
                rc[ir] |= (uint64_t)1 << ((1u << j) - 1);
    }
    unsigned x = 1, y = 0;
    rho_off[0] = 0;
    for (unsigned t = 0; t < 24; t++) {
        rho_off[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        unsigned nx = y, ny = (2 * x + 3 * y) % 5;
        x = nx;
        y = ny;
    }
    tables_ready = 1;
}

static void keccak_f(uint64_t a[25])
{
    uint64_t c[5], d[5], b[25];
    for (unsigned ir = 0; ir < 24; ir++) {
        for (unsigned x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (unsigned x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (unsigned i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y]) */
        for (unsigned x = 0; x < 5; x++)
            for (unsigned y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho_off[x + 5 * y]);
        for (unsigned x = 0; x < 5; x++)
            for (unsigned y = 0; y < 5; y++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= rc[ir];
    }
}

static void xor_block(uint64_t s[25], const uint8_t blk[RATE])
{
    for (unsigned i = 0; i < RATE / 8; i++) {
        uint64_t w = 0;
        for (unsigned j = 0; j < 8; j++)
            w |= (uint64_t)blk[8 * i + j] << (8 * j);
        s[i] ^= w;
    }
}

static void squeeze_block(shake128_stream *st)
{
    for (unsigned i = 0; i < RATE / 8; i++)
        for (unsigned j = 0; j < 8; j++)
            st->block[8 * i + j] = (uint8_t)(st->s[i] >> (8 * j));
    st->pos = 0;
}

void shake128_stream_init(shake128_stream *st, const uint8_t *in, size_t len)
{
    uint8_t blk[RATE];
    if (!tables_ready)
        init_tables();
    memset(st, 0, sizeof *st);
    while (len >= RATE) {
        xor_block(st->s, in);
        keccak_f(st->s);
        in += RATE;
        len -= RATE;
    }
    memset(blk, 0, sizeof blk);
    if (len > 0)
        memcpy(blk, in, len);
    blk[len] ^= 0x1f;      /* SHAKE domain bits 1111 + first pad bit */
    blk[RATE - 1] ^= 0x80; /* last pad bit */
    xor_block(st->s, blk);
    keccak_f(st->s);
    squeeze_block(st);
}

void shake128_stream_read(shake128_stream *st, uint8_t *out, size_t len)
{
    while (len > 0) {
        if (st->pos == RATE) {
            keccak_f(st->s);
            squeeze_block(st);
        }
        size_t take = RATE - st->pos < len ? RATE - st->pos : len;
        memcpy(out, st->block + st->pos, take);
        st->pos += take;
        out += take;
        len -= take;
    }
}
