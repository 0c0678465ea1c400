#define _POSIX_C_SOURCE 200809L
/* Helper for the npm `mlkem` cross-check (mlkem_npm_check.js). Reads commands from stdin,
 * one per line, and answers one line each (lowercase hex, or "ERR <status>"):
 *   K <d> <z>    -> <ek> <dk>        (KeyGen_internal)
 *   E <ek> <m>   -> <c> <k>          (Encaps_internal)
 *   D <dk> <c>   -> <k>              (Decaps) */
#include "test_mlkem_util.h"

#include "crypto/mlkem.h"
#include "dnasync/status.h"

#include <string.h>

static void put_hex(const uint8_t *b, size_t n, char end)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    putchar(end);
}

int main(void)
{
    static char line[1 << 14];
    int n = 0;
    while (n < 100000 && fgets(line, sizeof line, stdin)) {
        char *save = NULL;
        char *cmd = strtok_r(line, " \r\n", &save);
        char *a = strtok_r(NULL, " \r\n", &save), *b = strtok_r(NULL, " \r\n", &save);
        if (!cmd || !a || !b) {
            printf("ERR parse\n");
            continue;
        }
        size_t alen, blen;
        uint8_t *x = tu_unhex(a, &alen), *y = tu_unhex(b, &blen);
        uint8_t ek[MLKEM512_EK_BYTES], dk[MLKEM512_DK_BYTES], c[MLKEM512_CT_BYTES], k[32];
        int rc = DNASYNC_EINVAL;
        if (cmd[0] == 'K' && alen == 32 && blen == 32) {
            rc = mlkem512_keygen_internal(ek, dk, x, y);
            if (rc == 0) {
                put_hex(ek, sizeof ek, ' ');
                put_hex(dk, sizeof dk, '\n');
            }
        } else if (cmd[0] == 'E' && blen == 32) {
            rc = mlkem512_encaps_internal(c, k, x, alen, y);
            if (rc == 0) {
                put_hex(c, sizeof c, ' ');
                put_hex(k, sizeof k, '\n');
            }
        } else if (cmd[0] == 'D') {
            rc = mlkem512_decaps(k, x, alen, y, blen);
            if (rc == 0)
                put_hex(k, sizeof k, '\n');
        }
        if (rc != 0)
            printf("ERR %d\n", rc);
        free(x);
        free(y);
        n++;
    }
    return 0;
}
