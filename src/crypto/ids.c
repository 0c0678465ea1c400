/* Message, conversation and device ids (formulas in crypto/ids.h). */
#define _POSIX_C_SOURCE 200809L
#include "crypto/ids.h"

#include "common/err.h"
#include "common/file.h"
#include "common/hex.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int sha256_finish(EVP_MD_CTX *md, char out[65])
{
    uint8_t h[32];
    unsigned int hl = 0;
    int ok = EVP_DigestFinal_ex(md, h, &hl) == 1 && hl == 32;
    EVP_MD_CTX_free(md);
    if (!ok)
        return DNASYNC_ECRYPTO;
    dnasync_hex_encode(h, 32, out);
    return DNASYNC_OK;
}

int dnasync_message_id(const char *sender, const char *recipient, uint64_t timestamp,
                       const uint8_t *ct, size_t ct_len, char out[65])
{
    if (!sender || !recipient || !out || (!ct && ct_len))
        return DNASYNC_EINVAL;
    uint8_t ts[8];
    for (int i = 0; i < 8; i++)
        ts[i] = (uint8_t)(timestamp >> (8 * i));
    size_t n = ct_len < 64 ? ct_len : 64;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return DNASYNC_ENOMEM;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, sender, strlen(sender)) != 1 ||
        EVP_DigestUpdate(md, recipient, strlen(recipient)) != 1 ||
        EVP_DigestUpdate(md, ts, sizeof ts) != 1 || (n && EVP_DigestUpdate(md, ct, n) != 1)) {
        EVP_MD_CTX_free(md);
        return DNASYNC_ECRYPTO;
    }
    return sha256_finish(md, out);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int dnasync_conversation_id(const char *const *participants, size_t n, char out[65])
{
    if (!participants || n == 0 || !out)
        return DNASYNC_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!participants[i])
            return DNASYNC_EINVAL;
    const char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return DNASYNC_ENOMEM;
    memcpy(sorted, participants, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
            continue;                                                     /* duplicate */
        ok = EVP_DigestUpdate(md, sorted[i], strlen(sorted[i]) + 1) == 1; /* name + 0x00 */
    }
    free(sorted);
    if (!md)
        return DNASYNC_ENOMEM;
    if (!ok) {
        EVP_MD_CTX_free(md);
        return DNASYNC_ECRYPTO;
    }
    return sha256_finish(md, out);
}

/* ---- device id ---- */

/* 1 = read into out, 0 = does not exist, <0 = error (message written). */
static int device_id_read(const char *path, char out[33], char *errbuf, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "%s: cannot open: %s", path,
                               strerror(errno));
    }
    char buf[64];
    size_t got = 0;
    for (int tries = 0; tries < 64 && got < sizeof buf; tries++) {
        ssize_t r = read(fd, buf + got, sizeof buf - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "%s: cannot read: %s", path,
                                   strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    size_t len = got;
    if (len == 33 && buf[32] == '\n')
        len = 32;
    if (len != 32)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "%s: corrupt: expected 32 lowercase hex characters (and an optional "
                               "newline), found %s%zu bytes",
                               path, got == sizeof buf ? "at least " : "", got);
    for (size_t i = 0; i < 32; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                                   "%s: corrupt: byte %zu is not a lowercase hex digit", path,
                                   i + 1);
    }
    memcpy(out, buf, 32);
    out[32] = '\0';
    return 1;
}

int dnasync_device_id_load(const char *home, char out[33], char *errbuf, size_t errlen)
{
    if (!home || !*home || !out)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "device id: no home directory given");
    char path[4200];
    if (snprintf(path, sizeof path, "%s/device_id", home) >= (int)sizeof path)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "device id: home path too long");
    int rc = device_id_read(path, out, errbuf, errlen);
    if (rc == 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOTFOUND, "%s is missing", path);
    return rc < 0 ? rc : DNASYNC_OK;
}

int dnasync_device_id_load_or_create(const char *home, const dnasync_env_t *env, char out[33],
                                     char *errbuf, size_t errlen)
{
    if (!home || !*home || !out)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL,
                               "device id: no home directory given");
    size_t hl = strlen(home);
    size_t plen = hl + 64;
    char *path = malloc(plen);
    if (!path)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOMEM, "device id: out of memory");
    snprintf(path, plen, "%s/device_id", home);
    int rc = device_id_read(path, out, errbuf, errlen);
    if (rc != 0)
        goto done; /* read it (1) or a hard error (<0) */

    uint8_t rnd[16];
    if (dnasync_env_random(env, rnd, sizeof rnd) != 0) {
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "%s: no randomness to create it",
                             path);
        goto done;
    }
    char hex[34];
    dnasync_hex_encode(rnd, sizeof rnd, hex);
    hex[32] = '\n';
    hex[33] = '\0';
    char werr[512];
    int wrc = dnasync_file_write_atomic(path, hex, 33, false, werr, sizeof werr);
    if (wrc == DNASYNC_EEXIST) { /* a device_id created meanwhile is kept */
        rc = device_id_read(path, out, errbuf, errlen);
        if (rc == 0)
            rc = dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "%s: vanished while creating", path);
        goto done;
    }
    if (wrc != 0) {
        rc = dnasync_err_buf(errbuf, errlen, wrc, "device id: %s", werr);
        goto done;
    }
    memcpy(out, hex, 32);
    out[32] = '\0';
    rc = 1;
done:
    free(path);
    if (rc == 1) {
        if (errbuf && errlen)
            errbuf[0] = '\0';
        return DNASYNC_OK;
    }
    return rc;
}

const char *dnasync_default_home(char *buf, size_t len)
{
    if (!buf || len == 0)
        return NULL;
    const char *dh = getenv("DNA_HOME");
    int n;
    if (dh && *dh) {
        n = snprintf(buf, len, "%s", dh);
    } else {
        const char *h = getenv("HOME");
        if (!h || !*h)
            return NULL;
        n = snprintf(buf, len, "%s/.dna", h);
    }
    if (n < 0 || (size_t)n >= len)
        return NULL;
    return buf;
}
