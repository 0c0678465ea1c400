/* The home lock (sync/home_lock.h): one holder at a time, its pid and role named to the
 * next taker, free again the moment its holder dies (kill -9, no clean-up ran). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dnasync/status.h"
#include "sync/home_lock.h"
#include "testenv.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dir;

static void test_same_process(void)
{
    char err[512];
    dnasync_home_lock_t *a = NULL, *b = NULL;
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "daemon", &a, NULL, err, sizeof err), 0);
    dnasync_home_lock_holder_t h;
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "send", &b, &h, err, sizeof err), DNASYNC_EBUSY);
    CHECK(!b);
    CHECK_EQ_INT(h.pid, getpid());
    CHECK_EQ_STR(h.role, "daemon");
    char want[128];
    snprintf(want, sizeof want, "in use by `dnasync daemon` (pid %ld)", (long)getpid());
    CHECK(strstr(err, want) && strstr(err, dir));
    dnasync_home_lock_release(a);
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "send", &b, NULL, err, sizeof err), 0);
    dnasync_home_lock_release(b);
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "bad role", &b, NULL, err, sizeof err),
                 DNASYNC_EINVAL);
}

static void test_killed_holder(void)
{
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char err[512];
        dnasync_home_lock_t *l = NULL;
        char ok = dnasync_home_lock_take(dir, "watch", &l, NULL, err, sizeof err) == 0 ? 'y' : 'n';
        if (write(p[1], &ok, 1) != 1)
            _exit(1);
        for (int i = 0; i < 600; i++) /* killed long before */
            sleep(1);
        _exit(0);
    }
    char ok = 0;
    CHECK_EQ_INT(read(p[0], &ok, 1), 1);
    CHECK_EQ_INT(ok, 'y');
    char err[512];
    dnasync_home_lock_t *l = NULL;
    dnasync_home_lock_holder_t h;
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "daemon", &l, &h, err, sizeof err), DNASYNC_EBUSY);
    CHECK_EQ_INT(h.pid, child);
    CHECK_EQ_STR(h.role, "watch");
    CHECK_EQ_INT(kill(child, SIGKILL), 0);
    int st;
    CHECK_EQ_INT(waitpid(child, &st, 0), child);
    CHECK_EQ_INT(dnasync_home_lock_take(dir, "daemon", &l, &h, err, sizeof err), 0);
    dnasync_home_lock_release(l);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    dir = test_tmpdir("homelock");
    RUN(test_same_process);
    RUN(test_killed_holder);
    test_rmtree(dir);
    free(dir);
    return 0;
}
