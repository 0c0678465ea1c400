/* Identity name rule: each way a name can be wrong, and the exact message. */
#include "check.h"
#include "common/names.h"
#include "dnasync/status.h"

#include <string.h>

static void expect_bad(const char *name, const char *msg)
{
    char err[256];
    CHECK_EQ_INT(dnasync_name_check(name, err, sizeof err), DNASYNC_EINVAL);
    CHECK_EQ_STR(err, msg);
}

static void expect_ok(const char *name)
{
    char err[256] = "x";
    int rc = dnasync_name_check(name, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "rejected: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(err, "");
}

static void test_valid(void)
{
    expect_ok("alice");
    expect_ok("a");
    expect_ok("Alice Smith");
    expect_ok("a\"b'c");
    expect_ok("\xc3\xa9milie");            /* é */
    expect_ok("\xe6\x97\xa5\xe6\x9c\xac"); /* 日本 */
    expect_ok("\xf0\x9f\x98\x80");         /* U+1F600 */
    expect_ok("\xf4\x8f\xbf\xbf");         /* U+10FFFF, the maximum */
    expect_ok("\xef\xbf\xbd");             /* U+FFFD */
    char max[65];
    memset(max, 'm', 64);
    max[64] = '\0';
    expect_ok(max);
}

static void test_length(void)
{
    expect_bad("", "name is empty");
    char big[71];
    memset(big, 'b', 70);
    big[70] = '\0';
    expect_bad(big, "name is 70 bytes, the limit is 64");
    char b65[66];
    memset(b65, 'b', 65);
    b65[65] = '\0';
    expect_bad(b65, "name is 65 bytes, the limit is 64");
    /* 22 three-byte characters = 66 bytes though only 22 characters */
    char wide[67];
    for (int i = 0; i < 22; i++)
        memcpy(wide + 3 * i, "\xe6\x97\xa5", 3);
    wide[66] = '\0';
    expect_bad(wide, "name is 66 bytes, the limit is 64");
    char err[64];
    CHECK_EQ_INT(dnasync_name_check(NULL, err, sizeof err), DNASYNC_EINVAL);
    CHECK_EQ_STR(err, "name is missing");
}

static void test_utf8(void)
{
    expect_bad("ab\xff", "name is not valid UTF-8 at byte 3");
    expect_bad("ab\x80z", "name is not valid UTF-8 at byte 3");          /* stray continuation */
    expect_bad("\xc0\xaf", "name is not valid UTF-8 at byte 1");         /* overlong '/' */
    expect_bad("x\xc1\xbf", "name is not valid UTF-8 at byte 2");        /* overlong */
    expect_bad("\xe0\x80\xaf", "name is not valid UTF-8 at byte 1");     /* overlong 3-byte */
    expect_bad("\xf0\x80\x80\xaf", "name is not valid UTF-8 at byte 1"); /* overlong 4-byte */
    expect_bad("a\xed\xa0\x80", "name is not valid UTF-8 at byte 2");    /* U+D800 surrogate */
    expect_bad("a\xed\xbf\xbf", "name is not valid UTF-8 at byte 2");    /* U+DFFF */
    expect_bad("\xf4\x90\x80\x80", "name is not valid UTF-8 at byte 1"); /* U+110000 */
    expect_bad("\xf5\x80\x80\x80", "name is not valid UTF-8 at byte 1");
    expect_bad("abc\xe6\x97", "name is not valid UTF-8 at byte 4");     /* truncated */
    expect_bad("abc\xf0\x9f\x98", "name is not valid UTF-8 at byte 4"); /* truncated */
    expect_bad("\xc3", "name is not valid UTF-8 at byte 1");
    expect_bad("\xe6\x97z", "name is not valid UTF-8 at byte 1"); /* bad continuation */
}

static void test_controls(void)
{
    expect_bad("a\x07z", "name contains a control character (U+0007) at byte 2");
    expect_bad("\tabc", "name contains a control character (U+0009) at byte 1");
    expect_bad("ab\n", "name contains a control character (U+000A) at byte 3");
    expect_bad("a\x7f", "name contains a control character (U+007F) at byte 2");
    expect_bad("a\xc2\x85z", "name contains a control character (U+0085) at byte 2"); /* NEL */
    expect_bad("\xc2\x9f", "name contains a control character (U+009F) at byte 1");
    expect_ok("a\xc2\xa0z"); /* NBSP inside is fine */
    char err[128];
    CHECK_EQ_INT(dnasync_name_check_n("ab\0cd", 5, err, sizeof err), DNASYNC_EINVAL);
    CHECK_EQ_STR(err, "name contains NUL at byte 3");
    CHECK_EQ_INT(dnasync_name_check_n("abcd", 4, err, sizeof err), 0);
}

static void test_separators_and_spaces(void)
{
    expect_bad("a/b", "name contains '/' at byte 2");
    expect_bad("alice:x", "name contains ':' at byte 6");
    expect_bad("carol#8af99795", "name contains '#' at byte 6"); /* a contact address */
    expect_bad(" alice", "name starts with whitespace (U+0020)");
    expect_bad("alice ", "name ends with whitespace (U+0020)");
    expect_bad(" ", "name starts with whitespace (U+0020)");
    expect_bad("\xc2\xa0"
               "alice",
               "name starts with whitespace (U+00A0)");
    expect_bad("alice\xe3\x80\x80", "name ends with whitespace (U+3000)");
    expect_bad("alice\xe2\x80\x83", "name ends with whitespace (U+2003)");
    /* a NULL errbuf is allowed */
    CHECK_EQ_INT(dnasync_name_check("a/b", NULL, 0), DNASYNC_EINVAL);
}

int main(void)
{
    RUN(test_valid);
    RUN(test_length);
    RUN(test_utf8);
    RUN(test_controls);
    RUN(test_separators_and_spaces);
    return 0;
}
