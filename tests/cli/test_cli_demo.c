/* `make demo` stops everything it starts (issue 11 item 7): scripts/demo.sh runs in a session
 * of its own; when it has exited, no process of that session may be left (found by PID in
 * /proc; any survivor is reported and then stopped by its PID). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"
#include "testenv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_TIMEOUT_S 240

/* Session id of pid from /proc/PID/stat, or -1. */
static long session_of(long pid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *r = strrchr(buf, ')'); /* the command name may hold spaces */
    char state;
    long ppid, pgrp, sid;
    if (!r || sscanf(r + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) != 4)
        return -1;
    return state == 'Z' ? -1 : sid; /* a zombie is already dead */
}

/* PIDs of the live processes in session sid (at most cap). */
static size_t survivors(long sid, long *out, size_t cap)
{
    DIR *d = opendir("/proc");
    CHECK(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end == '\0' && pid > 0 && session_of(pid) == sid)
            out[n++] = pid;
    }
    closedir(d);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void)
{
    char *root = test_tmpdir("clidemo");
    char log[4200], script[4200];
    snprintf(log, sizeof log, "%s/demo.log", root);
    snprintf(script, sizeof script, "%s/scripts/demo.sh", DNASYNC_SOURCE_DIR);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setsid(); /* its own session: every process it starts is found by session id */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/bin/bash", "bash", script, cli_path(), (char *)NULL);
        _exit(127);
    }
    int status = 0, done = 0;
    for (int i = 0; i < DEMO_TIMEOUT_S * 10 && !done; i++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        CHECK(w >= 0);
        done = w == pid;
        if (!done)
            sleep_ms(100);
    }
    if (!done) { /* too slow: stop it (its trap cleans up), then check the leftovers as usual */
        fprintf(stderr, "demo still running after %d s; stopping it\n", DEMO_TIMEOUT_S);
        kill(pid, SIGTERM);
        CHECK(waitpid(pid, &status, 0) == pid);
    }
    /* The storage nodes get SIGTERM from the demo's cleanup; give them a bounded moment. */
    long left[64];
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        n = survivors(pid, left, 64);
        if (n == 0)
            break;
        sleep_ms(100);
    }
    for (size_t i = 0; i < n; i++) {
        char p[64], cmd[512] = "";
        snprintf(p, sizeof p, "/proc/%ld/cmdline", left[i]);
        FILE *f = fopen(p, "r");
        if (f) {
            size_t m = fread(cmd, 1, sizeof cmd - 1, f);
            fclose(f);
            for (size_t k = 0; k < m; k++)
                cmd[k] = cmd[k] ? cmd[k] : ' ';
        }
        fprintf(stderr, "survivor of the demo: pid %ld: %s\n", left[i], cmd);
        kill((pid_t)left[i], SIGTERM);
    }
    for (int i = 0; i < 50 && n && survivors(pid, left, 64); i++)
        sleep_ms(100);
    for (size_t i = 0, m = survivors(pid, left, 64); i < m; i++)
        kill((pid_t)left[i], SIGKILL);
    if (n || !done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        FILE *f = fopen(log, "r");
        char buf[8192];
        size_t m = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        buf[m] = '\0';
        if (f)
            fclose(f);
        fprintf(stderr, "demo log (first 8 KiB):\n%s\n", buf);
    }
    CHECK(done);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT((int)n, 0);
    test_rmtree(root);
    free(root);
    return 0;
}
