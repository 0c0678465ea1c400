#include "crypto/base32.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void dnasync_base32_encode(const uint8_t *in, size_t len, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

long dnasync_base32_decode(const char *in, uint8_t *out, size_t cap, size_t *bad_pos)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; in[i]; i++) {
        char c = in[i];
        if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        int v = value_of(c);
        if (v < 0) {
            if (bad_pos)
                *bad_pos = i;
            return -1;
        }
        acc = ((acc << 5) | (uint32_t)v) & 0xfffu;
        bits += 5;
        if (bits >= 8) {
            if (o >= cap)
                return -2;
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    /* Leftover bits must be fewer than 5 and zero, as the encoder writes them. */
    if (bits >= 5 || (acc & ((1u << bits) - 1u)) != 0)
        return -2;
    return (long)o;
}
