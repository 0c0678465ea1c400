/* <home>/identity: the one file that holds an identity's master secret.
 *
 *   offset  size  field
 *   0       8     magic "DNAIDENT"
 *   8       1     version = 1
 *   9       1     L = name length (1..64)
 *   10      L     name (UTF-8, dnasync_name_check)
 *   10+L    32    master secret
 *   42+L    4     first 4 bytes of SHA-256(bytes 0 .. 42+L)
 */
#define _POSIX_C_SOURCE 200809L
#include "common/file.h"
#include "crypto/identity_int.h"
#include "crypto/symcrypto.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID_MAGIC "DNAIDENT"
#define ID_MAGIC_LEN 8
#define ID_VERSION 1
#define ID_MAX_FILE (10 + DNASYNC_NAME_MAX + 32 + 4)

static size_t encode(uint8_t *buf, const char *name, const uint8_t master[32])
{
    size_t l = strlen(name), n = 0;
    memcpy(buf, ID_MAGIC, ID_MAGIC_LEN);
    n += ID_MAGIC_LEN;
    buf[n++] = ID_VERSION;
    buf[n++] = (uint8_t)l;
    memcpy(buf + n, name, l);
    n += l;
    memcpy(buf + n, master, 32);
    n += 32;
    uint8_t h[32];
    if (dnasync_sha256(buf, n, h) != 0)
        return 0;
    memcpy(buf + n, h, 4);
    return n + 4;
}

int dnasync_id_check_absent(const char *home, char *errbuf, size_t errlen)
{
    char path[4096];
    struct stat st;
    int rc = dnasync_id_path(path, sizeof path, home, "identity", errbuf, errlen);
    if (rc != 0)
        return rc;
    if (lstat(path, &st) == 0)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EEXIST,
                               "%s already has an identity (%s); refusing to overwrite it", home,
                               path);
    if (errno != ENOENT && errno != ENOTDIR)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot check %s: %s", path,
                               strerror(errno));
    return DNASYNC_OK;
}

int dnasync_id_write_file(const char *home, const char *name,
                          const uint8_t master[DNASYNC_MASTER_BYTES], char *errbuf, size_t errlen)
{
    char path[4096];
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc == 0)
        rc = dnasync_id_path(path, sizeof path, home, "identity", errbuf, errlen);
    if (rc != 0)
        return rc;

    int made_home = 0;
    struct stat st;
    if (stat(home, &st) != 0) {
        if (errno != ENOENT)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot use home %s: %s", home,
                                   strerror(errno));
        if (mkdir(home, 0700) != 0)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot create home %s: %s", home,
                                   strerror(errno));
        made_home = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "home %s is not a directory", home);
    }
    rc = dnasync_id_check_absent(home, errbuf, errlen);
    if (rc != 0)
        goto out;

    uint8_t buf[ID_MAX_FILE];
    size_t n = encode(buf, name, master);
    char werr[512] = "hashing failed";
    rc = n ? dnasync_file_write_atomic(path, buf, n, false, werr, sizeof werr) : DNASYNC_ECRYPTO;
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc == DNASYNC_EEXIST) /* a concurrent creator won */
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_EEXIST,
                             "%s already has an identity (%s); refusing to overwrite it", home,
                             path);
    else if (rc != 0)
        rc = dnasync_err_buf(errbuf, errlen, rc, "cannot write the identity file in %s: %s", home,
                             werr);
    if (rc != 0)
        goto out;
    return DNASYNC_OK;
out:
    if (made_home)
        rmdir(home);
    return rc;
}

int dnasync_identity_create(const char *home, const char *name, const dnasync_env_t *env,
                            dnasync_identity_t **out, char *errbuf, size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (out)
        *out = NULL;
    if (!home || !*home || !name)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "no home or name given");
    int rc = dnasync_id_name_ok(name, errbuf, errlen);
    if (rc != 0)
        return rc;
    rc = dnasync_id_check_absent(home, errbuf, errlen);
    if (rc != 0)
        return rc;
    uint8_t master[DNASYNC_MASTER_BYTES];
    dnasync_identity_t *id = NULL;
    if (dnasync_env_random(env, master, sizeof master) != 0) {
        rc = dnasync_err_buf(errbuf, errlen, DNASYNC_ECRYPTO, "no randomness for a new identity");
        goto done;
    }
    rc = dnasync_identity_from_master(name, master, &id);
    if (rc != 0) {
        dnasync_err_buf(errbuf, errlen, rc, "cannot derive the identity keys: %s",
                        dnasync_strerror(rc));
        goto done;
    }
    rc = dnasync_id_write_file(home, name, master, errbuf, errlen);
done:
    OPENSSL_cleanse(master, sizeof master);
    if (rc != 0 || !out)
        dnasync_identity_free(id);
    else
        *out = id;
    return rc;
}

int dnasync_identity_load(const char *home, dnasync_identity_t **out, char *errbuf, size_t errlen)
{
    if (errbuf && errlen > 0)
        errbuf[0] = '\0';
    if (!out)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "no output pointer");
    *out = NULL;
    if (!home || !*home)
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EINVAL, "no home given");
    char path[4096];
    int rc = dnasync_id_path(path, sizeof path, home, "identity", errbuf, errlen);
    if (rc != 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return dnasync_err_buf(errbuf, errlen, DNASYNC_ENOTFOUND,
                                   "no identity in %s (%s does not exist)", home, path);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot read identity file %s: %s",
                               path, strerror(errno));
    }
    struct stat st;
    uint8_t buf[ID_MAX_FILE + 1];
    size_t n = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO,
                               "identity file %s is not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO,
                               "identity file %s is accessible by group or others (mode %03o); "
                               "run: chmod 600 %s",
                               path, (unsigned)(st.st_mode & 0777), path);
    }
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            OPENSSL_cleanse(buf, sizeof buf);
            return dnasync_err_buf(errbuf, errlen, DNASYNC_EIO, "cannot read identity file %s: %s",
                                   path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);

    const char *why = NULL;
    size_t l = n > 9 ? buf[9] : 0;
    uint8_t h[32];
    if (n < 10 || memcmp(buf, ID_MAGIC, ID_MAGIC_LEN) != 0)
        why = "not a dnasync identity file (bad magic)";
    else if (buf[8] != ID_VERSION)
        why = "unsupported identity file version";
    else if (l < 1 || l > DNASYNC_NAME_MAX || n != 10 + l + 32 + 4)
        why = "wrong length";
    else if (dnasync_sha256(buf, 10 + l + 32, h) != 0 || !dnasync_ct_equal(h, buf + 10 + l + 32, 4))
        why = "checksum mismatch";
    char name[DNASYNC_NAME_MAX + 1];
    if (!why) {
        memcpy(name, buf + 10, l);
        name[l] = '\0';
        if (strlen(name) != l || dnasync_id_name_ok(name, NULL, 0) != 0)
            why = "invalid name";
    }
    if (why) {
        OPENSSL_cleanse(buf, sizeof buf);
        return dnasync_err_buf(errbuf, errlen, DNASYNC_ECORRUPT,
                               "identity file %s is corrupt (%s); it was left untouched", path,
                               why);
    }
    rc = dnasync_identity_from_master(name, buf + 10 + l, out);
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc != 0)
        return dnasync_err_buf(errbuf, errlen, rc, "cannot derive keys from %s: %s", path,
                               dnasync_strerror(rc));
    return DNASYNC_OK;
}
