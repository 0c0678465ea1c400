/* Test helpers: run the real dnasync binary (or any program) and capture what it prints. */
#ifndef DNASYNC_TEST_PROC_H
#define DNASYNC_TEST_PROC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct proc_result {
    int exit_code; /* exit status, or 128+signal, or -1 when it could not run / timed out */
    char *out;     /* everything printed on stdout (NUL-terminated, malloc'd) */
    char *err;     /* stderr */
} proc_result_t;

/* Run argv (NULL-terminated) with extra environment entries "K=V" (NULL-terminated or NULL),
 * kill it after timeout_s. Returns 0 when it ran (see exit_code). */
int proc_run(char *const argv[], char *const extra_env[], int timeout_s, proc_result_t *res);
void proc_result_free(proc_result_t *res);

/* Start argv in the background with stdout+stderr to log_path; returns its pid or -1. Killed
 * at exit unless proc_stop stopped it (a failed CHECK leaves nothing running). */
pid_t proc_spawn(char *const argv[], const char *log_path);
/* SIGTERM, wait up to timeout_s, then SIGKILL; returns the exit code as in proc_result_t. */
int proc_stop(pid_t pid, int timeout_s);
/* Wait (bounded) until file contains needle; returns a malloc'd copy of the file or NULL. */
char *proc_wait_for_text(const char *path, const char *needle, int timeout_s);

#endif
