#define _POSIX_C_SOURCE 200809L
/* Helper for test_envelope_js.js, the cross-check of docs/envelope.md against an independent
 * JavaScript implementation. Reads one command per line on stdin and answers one line each
 * (lowercase hex; "-" is an empty byte string; "ERR <status>" on failure):
 *   I <master> <name>                      -> <sign_pk> <ek> <dk>
 *   S <aad> <body> <ek> [<ek>...]          -> <envelope>
 *   O <dk> <ek> <aad> <envelope>           -> <body>
 *   L <master> <name> <passphrase> <log2n> -> <link code>
 *   J <code> <passphrase>                  -> <name> <master>   (joins into a fresh temp home)
 * name and passphrase are hex too. */
#include "common/hex.h"
#include "crypto/envelope.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_hex(const uint8_t *b, size_t n, char end)
{
    if (n == 0)
        putchar('-');
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    putchar(end);
}

/* Decodes a hex argument into a fresh buffer (NUL-terminated for strings); NULL on error. */
static uint8_t *arg(const char *h, size_t *len)
{
    if (!h)
        return NULL;
    if (strcmp(h, "-") == 0) {
        *len = 0;
        return calloc(1, 1);
    }
    size_t n = strlen(h);
    if (n % 2)
        return NULL;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b || dnasync_hex_decode(h, b, n / 2) != 0) {
        free(b);
        return NULL;
    }
    b[n / 2] = 0;
    *len = n / 2;
    return b;
}

static int run(char **a, int na, const char *root, int seq)
{
    uint8_t *x[20] = {0};
    size_t l[20] = {0};
    int rc = DNASYNC_EINVAL;
    for (int i = 1; i < na && i < 20; i++)
        if (!(x[i] = arg(a[i], &l[i])) && a[0][0] != 'J')
            goto out;
    if (a[0][0] == 'I' && na == 3 && l[1] == 32) {
        dnasync_identity_t *id = NULL;
        rc = dnasync_identity_from_master((char *)x[2], x[1], &id);
        if (rc == 0) {
            put_hex(id->sign_pk, 32, ' ');
            put_hex(id->kem_ek, sizeof id->kem_ek, ' ');
            put_hex(id->kem_dk, sizeof id->kem_dk, '\n');
        }
        dnasync_identity_free(id);
    } else if (a[0][0] == 'S' && na >= 4) {
        const uint8_t *eks[18];
        size_t n = 0;
        for (int i = 3; i < na && n < 18; i++) {
            if (l[i] != 800)
                goto out;
            eks[n++] = x[i];
        }
        uint8_t *env = NULL;
        size_t env_len = 0;
        rc = dnasync_envelope_seal(eks, n, x[1], l[1], x[2], l[2], NULL, &env, &env_len);
        if (rc == 0)
            put_hex(env, env_len, '\n');
        free(env);
    } else if (a[0][0] == 'O' && na == 5 && l[1] == 1632 && l[2] == 800) {
        uint8_t *body = NULL;
        size_t body_len = 0;
        rc = dnasync_envelope_open(x[1], x[2], x[3], l[3], x[4], l[4], &body, &body_len, NULL, 0);
        if (rc == 0)
            put_hex(body, body_len, '\n');
        free(body);
    } else if (a[0][0] == 'L' && na == 5 && l[1] == 32) {
        dnasync_identity_t *id = NULL;
        char *code = NULL;
        rc = dnasync_identity_from_master((char *)x[2], x[1], &id);
        if (rc == 0)
            rc = dnasync_linkcode_make_params(id, (char *)x[3], (unsigned)atoi(a[4]), NULL, &code);
        if (rc == 0)
            printf("%s\n", code);
        free(code);
        dnasync_identity_free(id);
    } else if (a[0][0] == 'J' && na == 3 && x[2]) {
        char home[4096];
        snprintf(home, sizeof home, "%s/j%d", root, seq);
        dnasync_identity_t *id = NULL;
        rc = dnasync_linkcode_join(home, a[1], (char *)x[2], NULL, &id, NULL, 0);
        if (rc == 0) {
            put_hex((const uint8_t *)id->name, strlen(id->name), ' ');
            put_hex(id->master, 32, '\n');
        }
        dnasync_identity_free(id);
    }
out:
    if (rc != 0)
        printf("ERR %d\n", rc);
    for (int i = 0; i < 20; i++)
        free(x[i]);
    return rc;
}

int main(void)
{
    static char line[1 << 18];
    char *root = test_tmpdir("envjs");
    int n = 0;
    while (n < 10000 && fgets(line, sizeof line, stdin)) {
        char *save = NULL, *a[20];
        int na = 0;
        for (char *t = strtok_r(line, " \r\n", &save); t && na < 20;
             t = strtok_r(NULL, " \r\n", &save))
            a[na++] = t;
        if (na == 0)
            continue;
        run(a, na, root, n++);
        fflush(stdout);
    }
    test_rmtree(root);
    free(root);
    return 0;
}
