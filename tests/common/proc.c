#define _DEFAULT_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

static void child_exec(char *const argv[], char *const extra_env[])
{
    for (size_t i = 0; extra_env && extra_env[i]; i++)
        putenv(extra_env[i]);
    execvp(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int proc_run(char *const argv[], char *const extra_env[], int timeout_s, proc_result_t *res)
{
    int po[2], pe[2];
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        child_exec(argv, extra_env);
    }
    close(po[1]);
    close(pe[1]);
    buf_t out = {0}, err = {0};
    buf_add(&out, "", 0);
    buf_add(&err, "", 0);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    while (open_fds > 0) {
        double left = deadline - now_s();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int n = poll(fds, 2, (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char tmp[4096];
            ssize_t r = read(fds[i].fd, tmp, sizeof tmp);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                buf_add(i == 0 ? &out : &err, tmp, (size_t)r);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    if (timed_out) {
        kill(pid, SIGKILL);
        fprintf(stderr, "proc_run: %s timed out after %d s\n", argv[0], timeout_s);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    res->exit_code = timed_out ? -1 : exit_code_of(status);
    res->out = out.p;
    res->err = err.p;
    return 0;
}

void proc_result_free(proc_result_t *res)
{
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}

/* Processes proc_spawn started and proc_stop has not stopped: killed at exit, so a failed
 * CHECK (exit(1)) never leaves a node running. Only the process that spawned them kills them
 * (a forked test child that exits must not). */
enum { MAX_SPAWNED = 64 };
static pid_t spawned[MAX_SPAWNED];
static pid_t spawner;

static void kill_spawned(void)
{
    if (getpid() != spawner)
        return;
    for (int i = 0; i < MAX_SPAWNED; i++)
        if (spawned[i] > 0) {
            /* Only a child not yet reaped (a reaped pid may belong to someone else now). */
            if (waitpid(spawned[i], NULL, WNOHANG) == 0) {
                kill(spawned[i], SIGKILL);
                waitpid(spawned[i], NULL, 0);
            }
            spawned[i] = 0;
        }
}

static void track(pid_t pid, pid_t was)
{
    if (!spawner) {
        spawner = getpid();
        atexit(kill_spawned);
    }
    for (int i = 0; i < MAX_SPAWNED; i++)
        if (spawned[i] == was) {
            spawned[i] = pid;
            return;
        }
}

pid_t proc_spawn(char *const argv[], const char *log_path)
{
    /* The log is truncated before the fork: a caller that waits for a line in it never reads
     * what an earlier process left there before the child got to truncate it. */
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = fork();
    if (pid != 0) {
        if (fd >= 0)
            close(fd);
        if (pid > 0)
            track(pid, 0);
        return pid;
    }
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    child_exec(argv, NULL);
    return -1;
}

int proc_stop(pid_t pid, int timeout_s)
{
    int status = 0;
    track(0, pid);
    kill(pid, SIGTERM);
    double deadline = now_s() + timeout_s;
    while (now_s() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return exit_code_of(status);
        if (r < 0)
            return -1;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

char *proc_wait_for_text(const char *path, const char *needle, int timeout_s)
{
    double deadline = now_s() + timeout_s;
    while (now_s() < deadline) {
        FILE *f = fopen(path, "rb");
        if (f) {
            buf_t b = {0};
            buf_add(&b, "", 0);
            char tmp[4096];
            size_t r;
            while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
                buf_add(&b, tmp, r);
            fclose(f);
            if (strstr(b.p, needle))
                return b.p;
            free(b.p);
        }
        usleep(20000);
    }
    return NULL;
}
