/* <home>/pins: trust on first use for other identities' keys.
 *
 * A text file, one record per line after a header line:
 *   dnasync-pins 1
 *   <64 hex: Ed25519 public key> <64 hex: SHA3-256 of the ML-KEM-512 ek> <name>
 *   verified <64 hex: fingerprint> <name>
 * The first form pins a name's keys; the second records that the user compared the safety
 * number for that fingerprint (dnasync verify --confirm). The name comes last because names may
 * contain spaces (never newlines). Records are only ever appended, under an fcntl write lock
 * (plus a mutex for threads of one process). A damaged file is reported and never rewritten; an
 * unterminated last line (a write torn by a crash) is ignored and cut off before the next
 * append. */
#define _POSIX_C_SOURCE 200809L
#include "common/hex.h"
#include "crypto/fingerprint.h"
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
#define VERIFIED_TAG "verified "
#define VERIFIED_LEN (sizeof VERIFIED_TAG - 1)

static pthread_mutex_t pins_mutex = PTHREAD_MUTEX_INITIALIZER;

/* One parsed line: a pin (verified < 0) or a verification record (verified = 1, fp set). */
typedef struct pin_line {
    char name[DNASYNC_NAME_MAX + 1];
    uint8_t sign_pk[32], kem_hash[32], fp[DNASYNC_FP_BYTES];
    int verification;
} pin_line_t;

typedef void (*pin_visit_fn)(void *user, const pin_line_t *line);

static int parse_name(const char *s, size_t len, char *out)
{
    if (len == 0 || len > DNASYNC_NAME_MAX)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return strlen(out) == len && dnasync_id_name_ok(out, NULL, 0) == 0 ? 0 : -1;
}

static int parse_line(const char *l, size_t len, pin_line_t *e)
{
    char hex[65];
    memset(e, 0, sizeof *e);
    hex[64] = '\0';
    if (len > VERIFIED_LEN + 65 && memcmp(l, VERIFIED_TAG, VERIFIED_LEN) == 0) {
        e->verification = 1;
        memcpy(hex, l + VERIFIED_LEN, 64);
        if (l[VERIFIED_LEN + 64] != ' ' || dnasync_hex_decode(hex, e->fp, 32) != 0)
            return -1;
        return parse_name(l + VERIFIED_LEN + 65, len - VERIFIED_LEN - 65, e->name);
    }
    if (len < 131 || l[64] != ' ' || l[129] != ' ')
        return -1;
    memcpy(hex, l, 64);
    if (dnasync_hex_decode(hex, e->sign_pk, 32) != 0)
        return -1;
    memcpy(hex, l + 65, 64);
    if (dnasync_hex_decode(hex, e->kem_hash, 32) != 0 ||
        dnasync_fingerprint_hashed(e->sign_pk, e->kem_hash, e->fp) != 0)
        return -1;
    return parse_name(l + 130, len - 130, e->name);
}

/* Visit every whole line of buf[0..n). 0 ok, -1 corrupt (line number in *bad).
 * *valid_end gets the length of the part made of whole lines. */
static int pins_parse(const char *buf, size_t n, pin_visit_fn visit, void *user, size_t *bad,
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
    *valid_end = hl;
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        line++;
        if (!nl) /* torn last line: ignore */
            break;
        size_t len = (size_t)(nl - (buf + pos));
        pin_line_t e;
        if (parse_line(buf + pos, len, &e) != 0) {
            *bad = line;
            return -1;
        }
        visit(user, &e);
        pos += len + 1;
        *valid_end = pos;
    }
    return 0;
}

/* What the store says about one name: its first pin and whether that pin was verified. */
typedef struct find_state {
    const char *name;
    dnasync_pin_t pin;
    int found;
} find_state_t;

static void find_visit(void *user, const pin_line_t *e)
{
    find_state_t *st = user;
    if (strcmp(e->name, st->name) != 0)
        return;
    if (!e->verification && !st->found) {
        memcpy(st->pin.sign_pk, e->sign_pk, 32);
        memcpy(st->pin.kem_hash, e->kem_hash, 32);
        memcpy(st->pin.fingerprint, e->fp, DNASYNC_FP_BYTES);
        st->found = 1;
    } else if (e->verification && st->found &&
               memcmp(e->fp, st->pin.fingerprint, DNASYNC_FP_BYTES) == 0) {
        st->pin.verified = 1;
    }
}

static void fingerprint(const uint8_t pk[32], const uint8_t kh[32],
                        char out[DNASYNC_FP_HEX_LEN + 1])
{
    uint8_t fp[DNASYNC_FP_BYTES];
    memset(fp, 0, sizeof fp);
    dnasync_fingerprint_hashed(pk, kh, fp);
    dnasync_fingerprint_hex(fp, out);
}

static int read_all(int fd, char **out, size_t *n_out, const char *path, char *errbuf,
                    size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot stat %s: %s", path,
                               strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "pin store %s is not a regular file",
                               path);
    if ((unsigned long long)st.st_size > PINS_MAX_FILE)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "pin store %s is larger than %u bytes; refusing to read it", path,
                               PINS_MAX_FILE);
    size_t size = (size_t)st.st_size, n = 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOMEM, "out of memory");
    while (n < size) {
        ssize_t r = pread(fd, buf + n, size - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot read %s: %s", path,
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

/* Cut off a torn tail at `at`, then append line (with the header first when the file is new). */
static int append_line(int fd, size_t at, const char *line)
{
    char buf[512];
    int len = snprintf(buf, sizeof buf, "%s%s\n", at == 0 ? PINS_HEADER : "", line);
    if (len < 0 || (size_t)len >= sizeof buf)
        return -1;
    if (ftruncate(fd, (off_t)at) != 0)
        return -1;
    size_t done = 0;
    while (done < (size_t)len) {
        ssize_t w = pwrite(fd, buf + done, (size_t)len - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return fsync(fd);
}

/* Read the store (fd locked) and find name in it. */
static int find_locked(int fd, const char *path, find_state_t *st, size_t *valid_end, char *errbuf,
                       size_t errlen)
{
    char *buf = NULL;
    size_t n = 0, bad = 0;
    int rc = read_all(fd, &buf, &n, path, errbuf, errlen);
    if (rc != 0)
        return rc;
    rc = pins_parse(buf, n, find_visit, st, &bad, valid_end);
    free(buf);
    if (rc != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "pin store %s is corrupt at line %zu; it was left untouched", path,
                               bad);
    return DNASYNC_OK;
}

typedef struct pin_op {
    const char *name;
    const uint8_t *sign_pk, *kem_hash; /* check_or_add */
    const uint8_t *fp;                 /* set_verified */
} pin_op_t;

static int add_locked(int fd, const char *path, const pin_op_t *op, char *errbuf, size_t errlen)
{
    find_state_t st = {.name = op->name};
    size_t valid_end = 0;
    int rc = find_locked(fd, path, &st, &valid_end, errbuf, errlen);
    if (rc != 0)
        return rc;
    char a[65], b[65], line[300];
    if (op->fp) { /* a verification record for the pinned fingerprint */
        char fp[DNASYNC_FP_HEX_LEN + 1];
        dnasync_fingerprint_hex(op->fp, fp);
        if (!st.found)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOTFOUND, "'%s' is not pinned",
                                   op->name);
        if (memcmp(st.pin.fingerprint, op->fp, DNASYNC_FP_BYTES) != 0)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EAUTH,
                                   "'%s' is pinned to another key than %s; refusing", op->name, fp);
        if (st.pin.verified)
            return DNASYNC_OK;
        snprintf(line, sizeof line, VERIFIED_TAG "%s %s", fp, op->name);
    } else if (st.found) {
        if (dnasync_ct_equal(st.pin.sign_pk, op->sign_pk, 32) &&
            dnasync_ct_equal(st.pin.kem_hash, op->kem_hash, 32))
            return DNASYNC_OK;
        fingerprint(st.pin.sign_pk, st.pin.kem_hash, a);
        fingerprint(op->sign_pk, op->kem_hash, b);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EAUTH,
                               "identity key for '%s' changed: pinned %.16s… now %.16s… "
                               "\xe2\x80\x94 refusing",
                               op->name, a, b);
    } else {
        dnasync_hex_encode(op->sign_pk, 32, a);
        dnasync_hex_encode(op->kem_hash, 32, b);
        snprintf(line, sizeof line, "%s %s %s", a, b, op->name);
    }
    if (append_line(fd, valid_end, line) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot add to the pin store %s: %s",
                               path, strerror(errno));
    return DNASYNC_OK;
}

/* Open <home>/pins (created when create is set), lock it, run op (NULL: find into st). */
static int with_store(const char *home, int create, const pin_op_t *op, find_state_t *st,
                      char *errbuf, size_t errlen)
{
    char path[4096];
    int rc = dnasync_id_path(path, sizeof path, home, "pins", errbuf, errlen);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&pins_mutex);
    int fd = open(path, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = !create && errno == ENOENT
                 ? DNASYNC_OK /* no pins yet */
                 : dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot open pin store %s: %s",
                                   path, strerror(errno));
    } else {
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = create ? F_WRLCK : F_RDLCK;
        fl.l_whence = SEEK_SET;
        int lk;
        while ((lk = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
            ;
        size_t valid_end = 0;
        if (lk != 0)
            rc = dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot lock pin store %s: %s", path,
                                 strerror(errno));
        else if (op)
            rc = add_locked(fd, path, op, errbuf, errlen);
        else
            rc = find_locked(fd, path, st, &valid_end, errbuf, errlen);
        close(fd); /* releases the lock */
    }
    pthread_mutex_unlock(&pins_mutex);
    return rc;
}

int dnasync_pin_check_or_add(const char *home, const char *name, const uint8_t sign_pk[32],
                             const uint8_t *kem_ek, char *errbuf, size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (!home || !*home || !sign_pk || !kem_ek)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "pin: missing argument");
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc != 0)
        return rc;
    uint8_t kh[32];
    if (dnasync_sha3_256(kem_ek, DNASYNC_KEM_EK_BYTES, kh) != 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "pin: hashing failed");
    pin_op_t op = {.name = name, .sign_pk = sign_pk, .kem_hash = kh};
    return with_store(home, 1, &op, NULL, errbuf, errlen);
}

int dnasync_pin_lookup(const char *home, const char *name, dnasync_pin_t *out, char *errbuf,
                       size_t errlen)
{
    if (!home || !*home || !out)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "pin: missing argument");
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc != 0)
        return rc;
    find_state_t st = {.name = name};
    rc = with_store(home, 0, NULL, &st, errbuf, errlen);
    if (rc == 0 && !st.found)
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ENOTFOUND, "'%s' is not pinned", name);
    if (rc == 0) {
        *out = st.pin;
        snprintf(out->name, sizeof out->name, "%s", name);
    }
    return rc;
}

int dnasync_pin_set_verified(const char *home, const char *name, const uint8_t fp[DNASYNC_FP_BYTES],
                             char *errbuf, size_t errlen)
{
    if (!home || !*home || !fp)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "pin: missing argument");
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc != 0)
        return rc;
    pin_op_t op = {.name = name, .fp = fp};
    return with_store(home, 1, &op, NULL, errbuf, errlen);
}

/* --- listing --- */

typedef struct list_state {
    dnasync_pin_t *pins;
    size_t n, cap;
    int oom;
} list_state_t;

static void list_visit(void *user, const pin_line_t *e)
{
    list_state_t *st = user;
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->pins[i].name, e->name) != 0)
            continue;
        if (e->verification && memcmp(e->fp, st->pins[i].fingerprint, DNASYNC_FP_BYTES) == 0)
            st->pins[i].verified = 1;
        return; /* the first pin of a name is the one that counts */
    }
    if (e->verification || st->oom)
        return;
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 16;
        dnasync_pin_t *p = realloc(st->pins, cap * sizeof *p);
        if (!p) {
            st->oom = 1;
            return;
        }
        st->pins = p;
        st->cap = cap;
    }
    dnasync_pin_t *p = &st->pins[st->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", e->name);
    memcpy(p->sign_pk, e->sign_pk, 32);
    memcpy(p->kem_hash, e->kem_hash, 32);
    memcpy(p->fingerprint, e->fp, DNASYNC_FP_BYTES);
}

int dnasync_pins_list(const char *home, dnasync_pin_t **out, size_t *n, char *errbuf, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char path[4096];
    int rc = dnasync_id_path(path, sizeof path, home, "pins", errbuf, errlen);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&pins_mutex);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char *buf = NULL;
    size_t len = 0, bad = 0, valid_end = 0;
    list_state_t st = {0};
    if (fd < 0) {
        if (errno != ENOENT)
            rc = dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot open pin store %s: %s", path,
                                 strerror(errno));
    } else {
        struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        int lk;
        while ((lk = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
            ;
        rc = lk != 0 ? dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot lock pin store %s: %s",
                                       path, strerror(errno))
                     : read_all(fd, &buf, &len, path, errbuf, errlen);
        if (rc == 0 && pins_parse(buf, len, list_visit, &st, &bad, &valid_end) != 0)
            rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                                 "pin store %s is corrupt at line %zu; it was left untouched", path,
                                 bad);
        if (rc == 0 && st.oom)
            rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ENOMEM, "out of memory");
        free(buf);
        close(fd);
    }
    pthread_mutex_unlock(&pins_mutex);
    if (rc != 0) {
        free(st.pins);
        return rc;
    }
    *out = st.pins;
    *n = st.n;
    return DNASYNC_OK;
}
