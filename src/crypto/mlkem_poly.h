/* Internal: polynomial encoding, compression and coefficient-wise arithmetic
 * (FIPS 203 §4.2.1 Compress/Decompress, Alg. 5 ByteEncode, Alg. 6 ByteDecode). */
#ifndef DNASYNC_CRYPTO_MLKEM_POLY_H
#define DNASYNC_CRYPTO_MLKEM_POLY_H

#include "crypto/mlkem_params.h"

#include <stddef.h>
#include <stdint.h>

/* Compress_d / Decompress_d on one canonical value, d in 1..11. Branch-free, no division. */
uint16_t mlkem_compress(uint16_t x, unsigned d);
uint16_t mlkem_decompress(uint16_t y, unsigned d);

/* ByteEncode_d of 256 d-bit values (32*d bytes); coefficients must be < 2^d. */
void mlkem_poly_encode(uint8_t *out, const mlkem_poly *f, unsigned d);
/* ByteDecode_d; for d = 12 the values are reduced mod q (Alg. 6), so the result is canonical
 * even for an unchecked key. */
void mlkem_poly_decode(mlkem_poly *f, const uint8_t *in, unsigned d);
/* 1 if every 12-bit value in in[0..384) is < q (the §7.2 modulus check on public data). */
int mlkem_poly_decode12_is_reduced(const uint8_t in[MLKEM_POLY_BYTES]);

/* Compress_d every coefficient then ByteEncode_d; ByteDecode_d then Decompress_d. */
void mlkem_poly_compress(uint8_t *out, const mlkem_poly *f, unsigned d);
void mlkem_poly_decompress(mlkem_poly *f, const uint8_t *in, unsigned d);

/* Message <-> polynomial: Decompress_1(ByteDecode_1(m)) and ByteEncode_1(Compress_1(f)). */
void mlkem_poly_from_msg(mlkem_poly *f, const uint8_t msg[32]);
void mlkem_poly_to_msg(uint8_t msg[32], const mlkem_poly *f);

void mlkem_poly_add(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b);
void mlkem_poly_sub(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b);

#endif
