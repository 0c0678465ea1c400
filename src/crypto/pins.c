/* <home>/pins: trust on first use for other identities' keys.
 *
 * A text file, one pin per line after a header line:
 *   dnasync-pins 1
 *   <64 hex: Ed25519 public key> <64 hex: SHA3-256 of the ML-KEM-512 ek> <name>
 * The name comes last because names may contain spaces (never newlines). Pins are only ever
 * appended, under an fcntl write lock (plus a mutex for threads of one process). A damaged
 * file is reported and never rewritten; an unterminated last line (a write torn by a crash)
 * is ignored and cut off before the next append. */
#define _POSIX_C_SOURCE 200809L
#include "common/hex.h"
#include "crypto/identity_int.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PINS_HEADER "dnasync-pins 1\n"
#define PINS_MAX_FILE (16u << 20)

static pthread_mutex_t pins_mutex = PTHREAD_MUTEX_INITIALIZER;

typedef struct pin_entry {
    uint8_t sign_pk[32];
    uint8_t kem_hash[32];
} pin_entry_t;

/* Scan buf[0..n) for name. 1 found (entry filled), 0 not found, -1 corrupt (line in *bad).
 * *valid_end gets the length of the part made of whole lines. */
static int pins_find(const char *buf, size_t n, const char *name, pin_entry_t *entry, size_t *bad,
                     size_t *valid_end)
{
    size_t hl = strlen(PINS_HEADER);
    *valid_end = 0;
    if (n == 0)
        return 0;
    if (n < hl || memcmp(buf, PINS_HEADER, hl) != 0) {
        *bad = 1;
        return -1;
    }
    size_t pos = hl, line = 1;
    int found = 0;
    *valid_end = hl;
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        line++;
        if (!nl) /* torn last line: ignore */
            break;
        size_t len = (size_t)(nl - (buf + pos));
        const char *l = buf + pos;
        char hex[65], nm[DNASYNC_NAME_MAX + 1];
        pin_entry_t e;
        size_t name_len = len > 130 ? len - 130 : 0;
        if (len < 131 || l[64] != ' ' || l[129] != ' ' || name_len > DNASYNC_NAME_MAX) {
            *bad = line;
            return -1;
        }
        memcpy(hex, l, 64);
        hex[64] = '\0';
        int ok = dnasync_hex_decode(hex, e.sign_pk, 32) == 0;
        memcpy(hex, l + 65, 64);
        ok = ok && dnasync_hex_decode(hex, e.kem_hash, 32) == 0;
        memcpy(nm, l + 130, name_len);
        nm[name_len] = '\0';
        if (!ok || strlen(nm) != name_len || dnasync_id_name_ok(nm, NULL, 0) != 0) {
            *bad = line;
            return -1;
        }
        if (!found && strcmp(nm, name) == 0) {
            *entry = e;
            found = 1;
        }
        pos += len + 1;
        *valid_end = pos;
    }
    return found;
}

static void fingerprint(const uint8_t pk[32], const uint8_t kh[32], char out[40])
{
    char a[65], b[65];
    dnasync_hex_encode(pk, 32, a);
    dnasync_hex_encode(kh, 32, b);
    snprintf(out, 40, "%.16s/kem:%.16s", a, b);
}

static int read_all(int fd, char **out, size_t *n_out, const char *path, char *errbuf,
                    size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "cannot stat %s: %s", path,
                               strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "pin store %s is not a regular file",
                               path);
    if ((unsigned long long)st.st_size > PINS_MAX_FILE)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_ECORRUPT,
                               "pin store %s is larger than %u bytes; refusing to read it", path,
                               PINS_MAX_FILE);
    size_t size = (size_t)st.st_size, n = 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_ENOMEM, "out of memory");
    while (n < size) {
        ssize_t r = pread(fd, buf + n, size - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "cannot read %s: %s", path,
                                   strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *n_out = n;
    return DNASYNC_OK;
}

static int append_pin(int fd, size_t at, int need_header, const char *name,
                      const uint8_t sign_pk[32], const uint8_t kh[32])
{
    char line[256];
    char a[65], b[65];
    dnasync_hex_encode(sign_pk, 32, a);
    dnasync_hex_encode(kh, 32, b);
    int len =
        snprintf(line, sizeof line, "%s%s %s %s\n", need_header ? PINS_HEADER : "", a, b, name);
    if (len < 0 || (size_t)len >= sizeof line)
        return -1;
    if (ftruncate(fd, (off_t)at) != 0)
        return -1;
    size_t done = 0;
    while (done < (size_t)len) {
        ssize_t w = pwrite(fd, line + done, (size_t)len - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return fsync(fd);
}

static int check_locked(int fd, const char *path, const char *name, const uint8_t sign_pk[32],
                        const uint8_t kh[32], char *errbuf, size_t errlen)
{
    char *buf = NULL;
    size_t n = 0, bad = 0, valid_end = 0;
    pin_entry_t e;
    int rc = read_all(fd, &buf, &n, path, errbuf, errlen);
    if (rc != 0)
        return rc;
    int found = pins_find(buf, n, name, &e, &bad, &valid_end);
    free(buf);
    if (found < 0)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_ECORRUPT,
                               "pin store %s is corrupt at line %zu; it was left untouched", path,
                               bad);
    if (found) {
        if (dnasync_ct_equal(e.sign_pk, sign_pk, 32) && dnasync_ct_equal(e.kem_hash, kh, 32))
            return DNASYNC_OK;
        char was[40], now[40];
        fingerprint(e.sign_pk, e.kem_hash, was);
        fingerprint(sign_pk, kh, now);
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EAUTH,
                               "identity key for '%s' changed: pinned %s now %s \xe2\x80\x94 "
                               "refusing",
                               name, was, now);
    }
    if (append_pin(fd, valid_end, valid_end == 0, name, sign_pk, kh) != 0)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "cannot add a pin to %s: %s", path,
                               strerror(errno));
    return DNASYNC_OK;
}

int dnasync_pin_check_or_add(const char *home, const char *name, const uint8_t sign_pk[32],
                             const uint8_t *kem_ek, char *errbuf, size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (!home || !*home || !sign_pk || !kem_ek)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_EINVAL, "pin: missing argument");
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc != 0)
        return rc;
    char path[4096];
    uint8_t kh[32];
    rc = dnasync_id_path(path, sizeof path, home, "pins", errbuf, errlen);
    if (rc != 0)
        return rc;
    if (dnasync_sha3_256(kem_ek, DNASYNC_KEM_EK_BYTES, kh) != 0)
        return dnasync_id_fail(errbuf, errlen, DNASYNC_ECRYPTO, "pin: hashing failed");

    pthread_mutex_lock(&pins_mutex);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "cannot open pin store %s: %s", path,
                             strerror(errno));
    } else {
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        int lk;
        while ((lk = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
            ;
        if (lk != 0)
            rc = dnasync_id_fail(errbuf, errlen, DNASYNC_EIO, "cannot lock pin store %s: %s", path,
                                 strerror(errno));
        else
            rc = check_locked(fd, path, name, sign_pk, kh, errbuf, errlen);
        close(fd); /* releases the lock */
    }
    pthread_mutex_unlock(&pins_mutex);
    return rc;
}
