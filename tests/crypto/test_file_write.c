/* The one atomic file writer (src/common/file.h) that the device id, the identity file, the home
 * config and a node's persisted state all use: replace or keep, never a partial file, no
 * temporary file left behind. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "common/file.h"
#include "dnasync/status.h"
#include "testenv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void read_back(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 100;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void test_replace_and_keep(void)
{
    char *dir = test_tmpdir("filewrite");
    char path[4096], buf[64], err[256] = "";
    snprintf(path, sizeof path, "%s/f", dir);
    CHECK_EQ_INT(dnasync_file_write_atomic(path, "one\n", 4, false, err, sizeof err), 0);
    read_back(path, buf, sizeof buf);
    CHECK_EQ_STR(buf, "one\n");
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)(st.st_mode & 0777), 0600);

    /* keep: the existing file wins, untouched */
    CHECK_EQ_INT(dnasync_file_write_atomic(path, "two\n", 4, false, err, sizeof err),
                 DNASYNC_EEXIST);
    CHECK(strstr(err, path) != NULL);
    read_back(path, buf, sizeof buf);
    CHECK_EQ_STR(buf, "one\n");

    /* replace */
    CHECK_EQ_INT(dnasync_file_write_atomic(path, "three\n", 6, true, err, sizeof err), 0);
    read_back(path, buf, sizeof buf);
    CHECK_EQ_STR(buf, "three\n");
    CHECK_EQ_INT(entries(dir), 1); /* no temporary file left */

    /* a directory that does not exist: an error naming the file, nothing created */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/missing/f", dir);
    CHECK_EQ_INT(dnasync_file_write_atomic(bad, "x", 1, true, err, sizeof err), DNASYNC_EIO);
    CHECK(strstr(err, "missing") != NULL);
    CHECK_EQ_INT(entries(dir), 1);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_replace_and_keep);
    return 0;
}
