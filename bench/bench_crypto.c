/* Crypto throughput: ML-KEM-512 keygen / encaps / decaps and envelope seal / open (1 KiB body,
 * one recipient), each timed over a ~0.3 s burst, R bursts (one RESULT line per burst).
 * usage: bench_crypto R */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include "crypto/envelope.h"
#include "crypto/mlkem.h"

#include <stdio.h>
#include <stdlib.h>

static uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], ct[MLKEM512_CT_BYTES],
    ss[MLKEM512_SS_BYTES], body[BENCH_BODY];
static uint8_t *sealed;
static size_t sealed_len;

static int op_keygen(void)
{
    static uint8_t ek2[MLKEM512_EK_BYTES], dk2[MLKEM512_DK_BYTES];
    return mlkem512_keygen(ek2, dk2, NULL);
}
static int op_encaps(void)
{
    return mlkem512_encaps(ct, ss, ek, sizeof ek, NULL);
}
static int op_decaps(void)
{
    return mlkem512_decaps(ss, dk, sizeof dk, ct, sizeof ct);
}
static int op_seal(void)
{
    const uint8_t *eks[1] = {ek};
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = dnasync_envelope_seal(eks, 1, NULL, 0, body, sizeof body, NULL, &out, &len);
    free(out);
    return rc;
}
static int op_open(void)
{
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = dnasync_envelope_open(dk, ek, NULL, 0, sealed, sealed_len, &out, &len, NULL, 0);
    free(out);
    return rc;
}

static double per_second(int (*op)(void))
{
    size_t n = 0;
    double t0 = bench_mono(), t;
    do {
        for (int i = 0; i < 50; i++, n++)
            if (op() != 0)
                bench_die("crypto op failed");
        t = bench_mono() - t0;
    } while (t < 0.3);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (mlkem512_keygen(ek, dk, NULL) != 0)
        bench_die("keygen");
    op_encaps();
    const uint8_t *eks[1] = {ek};
    if (dnasync_envelope_seal(eks, 1, NULL, 0, body, sizeof body, NULL, &sealed, &sealed_len) != 0)
        bench_die("seal");
    for (int r = 0; r < rounds; r++) {
        bench_result("crypto_mlkem_keygen_per_s", per_second(op_keygen));
        bench_result("crypto_mlkem_encaps_per_s", per_second(op_encaps));
        bench_result("crypto_mlkem_decaps_per_s", per_second(op_decaps));
        bench_result("crypto_envelope_seal_per_s", per_second(op_seal));
        bench_result("crypto_envelope_open_per_s", per_second(op_open));
    }
    free(sealed);
    return 0;
}
