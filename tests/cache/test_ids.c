/* Message, conversation and device ids. Expected hashes were computed independently with
 * python3 hashlib / printf | sha256sum and are written here as literals. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "crypto/ids.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_message_id_basic(void)
{
    char id[65];
    /* printf 'alicebob\x00\xf1\x53\x65\x00\x00\x00\x00hello' | sha256sum */
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 1700000000, (const uint8_t *)"hello", 5, id),
                 0);
    CHECK_EQ_STR(id, "0acb6d60583fd3518c23324565fba434361b03505dde7869909466e6968a3eee");
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 0, NULL, 0, id), 0);
    CHECK_EQ_STR(id, "41b1774e95266094b8cbe54bf6b4975c35acb6218447cdba46e7dcd77fb0cc3f");
    CHECK_EQ_INT(dnasync_message_id(NULL, "bob", 0, NULL, 0, id), DNASYNC_EINVAL);
    CHECK_EQ_INT(dnasync_message_id("a", "bob", 0, NULL, 3, id), DNASYNC_EINVAL);
}

static void test_message_id_ct_prefix(void)
{
    uint8_t ct[100];
    for (int i = 0; i < 100; i++)
        ct[i] = (uint8_t)i;
    char a[65], b[65], c[65];
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 1700000000, ct, 64, a), 0);
    CHECK_EQ_STR(a, "278acd38b053dc9c34100a96879edd9219e205713fe5bde32fcc8d9db0216597");
    /* only the first 64 bytes count */
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 1700000000, ct, 100, b), 0);
    CHECK_EQ_STR(b, a);
    ct[80] ^= 0xff;
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 1700000000, ct, 100, c), 0);
    CHECK_EQ_STR(c, a);
    /* shorter than 64: all of it counts */
    CHECK_EQ_INT(dnasync_message_id("alice", "bob", 1700000000, ct, 63, c), 0);
    CHECK(strcmp(c, a) != 0);
}

static void test_message_id_endianness(void)
{
    char id[65];
    /* printf 'ab\x08\x07\x06\x05\x04\x03\x02\x01' | sha256sum  (little-endian timestamp) */
    CHECK_EQ_INT(dnasync_message_id("a", "b", 0x0102030405060708ull, NULL, 0, id), 0);
    CHECK_EQ_STR(id, "757cd8739e6e85a54147af0136fe697ce7931837c5c39713c3b033cdedb1ce9c");
    /* the big-endian reading would give 8d80d4f1... */
    CHECK(strcmp(id, "8d80d4f1bcedbad9c923cc6d5174379aa455e9143ab3f93365be28635ed99faf") != 0);
}

static void test_message_id_long_names(void)
{
    char *s = malloc(5001), *r = malloc(5001);
    CHECK(s && r);
    memset(s, 's', 5000);
    s[5000] = '\0';
    memset(r, 'r', 5000);
    r[5000] = '\0';
    uint8_t ct[10];
    memset(ct, 'x', sizeof ct);
    char id[65];
    /* python: sha256(b"s"*5000 + b"r"*5000 + struct.pack('<Q', 42) + b"x"*10) */
    CHECK_EQ_INT(dnasync_message_id(s, r, 42, ct, sizeof ct, id), 0);
    CHECK_EQ_STR(id, "e6218211b3eb4479c1e06b49ece0e28e30a27c0c8a86c857d7f7e2cc192b47ca");
    free(s);
    free(r);
}

static void test_conversation_id(void)
{
    char id[65];
    const char *ab[] = {"alice", "bob"}, *ba[] = {"bob", "alice"};
    const char *dup[] = {"bob", "alice", "bob"}, *self[] = {"alice"}, *self2[] = {"alice", "alice"};
    const char *three[] = {"carol", "alice", "bob"}, *quote[] = {"zed", "a\"b"};
    /* printf 'alice\x00bob\x00' | sha256sum */
    const char *want_ab = "8bb490f308f8cb063e32626dad30acd077871d93ad326acd0e0362d77bd64031";
    CHECK_EQ_INT(dnasync_conversation_id(ab, 2, id), 0);
    CHECK_EQ_STR(id, want_ab);
    CHECK_EQ_INT(dnasync_conversation_id(ba, 2, id), 0);
    CHECK_EQ_STR(id, want_ab);
    CHECK_EQ_INT(dnasync_conversation_id(dup, 3, id), 0);
    CHECK_EQ_STR(id, want_ab);
    /* note to self: sha256("alice\0") */
    CHECK_EQ_INT(dnasync_conversation_id(self, 1, id), 0);
    CHECK_EQ_STR(id, "bfebef88e4b36874ee26f324129bd28f8cd0d04a683aa6b5f58a43b320bb7c5c");
    CHECK_EQ_INT(dnasync_conversation_id(self2, 2, id), 0);
    CHECK_EQ_STR(id, "bfebef88e4b36874ee26f324129bd28f8cd0d04a683aa6b5f58a43b320bb7c5c");
    CHECK_EQ_INT(dnasync_conversation_id(three, 3, id), 0);
    CHECK_EQ_STR(id, "38967502698354a7ee149d1de6be2b2bd2214f4c4cb5e1e7e5352a85f03f8a7e");
    CHECK_EQ_INT(dnasync_conversation_id(quote, 2, id), 0);
    CHECK_EQ_STR(id, "f6552bc23a4170526427f6cfbb49aca1fb421abb66502feef9e74e15b3878380");
    CHECK_EQ_INT(dnasync_conversation_id(ab, 0, id), DNASYNC_EINVAL);
    const char *withnull[] = {"a", NULL};
    CHECK_EQ_INT(dnasync_conversation_id(withnull, 2, id), DNASYNC_EINVAL);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f);
    CHECK(fwrite(data, 1, len, f) == len);
    CHECK(fclose(f) == 0);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    CHECK(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static int is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

static void test_device_id_create_and_reload(void)
{
    char *home = test_tmpdir("ids");
    test_clock_t clk;
    test_clock_init(&clk, 1700000000, 7);
    char id[33], id2[33], err[512], path[4200], buf[64];
    CHECK_EQ_INT(dnasync_device_id_load_or_create(home, &clk.env, id, err, sizeof err), 0);
    CHECK(is_lower_hex(id, 32));
    snprintf(path, sizeof path, "%s/device_id", home);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    size_t n = read_file(path, buf, sizeof buf);
    CHECK_EQ_INT(n, 33);
    CHECK(memcmp(buf, id, 32) == 0 && buf[32] == '\n');
    /* loaded, not re-created, even with a different RNG */
    test_clock_t other;
    test_clock_init(&other, 1700000000, 99);
    CHECK_EQ_INT(dnasync_device_id_load_or_create(home, &other.env, id2, err, sizeof err), 0);
    CHECK_EQ_STR(id2, id);
    /* only device_id remains in the directory (temp file removed) */
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "%s/.device_id", home);
    CHECK(access(cmd, F_OK) != 0);
    /* without trailing newline is accepted too */
    write_file(path, "0123456789abcdef0123456789abcdef", 32);
    CHECK_EQ_INT(dnasync_device_id_load_or_create(home, &clk.env, id2, err, sizeof err), 0);
    CHECK_EQ_STR(id2, "0123456789abcdef0123456789abcdef");
    test_rmtree(home);
    free(home);
}

static void expect_corrupt(const char *content, size_t len, const char *reason)
{
    char *home = test_tmpdir("ids");
    char path[4200], err[512], id[33], buf[128];
    snprintf(path, sizeof path, "%s/device_id", home);
    write_file(path, content, len);
    test_clock_t clk;
    test_clock_init(&clk, 1700000000, 7);
    int rc = dnasync_device_id_load_or_create(home, &clk.env, id, err, sizeof err);
    CHECK_EQ_INT(rc, DNASYNC_ECORRUPT);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, reason) != NULL);
    /* never replaced */
    size_t n = read_file(path, buf, sizeof buf);
    CHECK_EQ_INT(n, len);
    CHECK(memcmp(buf, content, len) == 0);
    test_rmtree(home);
    free(home);
}

static void test_device_id_corrupt(void)
{
    expect_corrupt("0123456789abcdef", 16, "found 16 bytes");
    expect_corrupt("", 0, "found 0 bytes");
    expect_corrupt("0123456789abcdef0123456789abcdef\n\n", 34, "found 34 bytes");
    expect_corrupt("0123456789abcdef0123456789abcdefff", 34, "found 34 bytes");
    expect_corrupt("0123456789ABCDEF0123456789abcdef", 32, "byte 11 is not a lowercase hex");
    expect_corrupt("0123456789abcdef0123456789abcdeg\n", 33, "byte 32 is not a lowercase hex");
    expect_corrupt("0123456789abcdef0123456789abcdef\r", 33, "found 33 bytes");
}

static void test_device_id_unreadable(void)
{
    char *home = test_tmpdir("ids");
    char path[4200], err[512], id[33];
    snprintf(path, sizeof path, "%s/device_id", home);
    CHECK(mkdir(path, 0700) == 0); /* a directory: open works, read fails (EISDIR) */
    int rc = dnasync_device_id_load_or_create(home, NULL, id, err, sizeof err);
    CHECK_EQ_INT(rc, DNASYNC_EIO);
    CHECK(strstr(err, path) != NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode)); /* untouched */
    /* missing home directory */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/nope", home);
    CHECK(dnasync_device_id_load_or_create(missing, NULL, id, err, sizeof err) < 0);
    CHECK(strstr(err, "nope") != NULL);
    test_rmtree(home);
    free(home);
}

static void test_default_home(void)
{
    char buf[256];
    setenv("DNA_HOME", "/x/dna", 1);
    setenv("HOME", "/home/u", 1);
    CHECK_EQ_STR(dnasync_default_home(buf, sizeof buf), "/x/dna");
    setenv("DNA_HOME", "", 1);
    CHECK_EQ_STR(dnasync_default_home(buf, sizeof buf), "/home/u/.dna");
    unsetenv("DNA_HOME");
    CHECK_EQ_STR(dnasync_default_home(buf, sizeof buf), "/home/u/.dna");
    CHECK(dnasync_default_home(buf, 5) == NULL);
    unsetenv("HOME");
    CHECK(dnasync_default_home(buf, sizeof buf) == NULL);
}

int main(void)
{
    RUN(test_message_id_basic);
    RUN(test_message_id_ct_prefix);
    RUN(test_message_id_endianness);
    RUN(test_message_id_long_names);
    RUN(test_conversation_id);
    RUN(test_device_id_create_and_reload);
    RUN(test_device_id_corrupt);
    RUN(test_device_id_unreadable);
    RUN(test_default_home);
    return 0;
}
