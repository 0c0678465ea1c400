#include "cli_run.h"

#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *cli_path(void)
{
    const char *p = getenv("DNASYNC_TEST_CLI");
    return p && *p ? p : DNASYNC_CLI_PATH;
}

static proc_result_t run_v(char *const env[], const char *home, int json, va_list ap)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)cli_path();
    if (home) {
        argv[n++] = (char *)"--home";
        argv[n++] = (char *)home;
    }
    if (json)
        argv[n++] = (char *)"--json";
    const char *a;
    while (n < 63 && (a = va_arg(ap, const char *)))
        argv[n++] = (char *)a;
    argv[n] = NULL;
    proc_result_t r;
    CHECK(proc_run(argv, env, 60, &r) == 0);
    return r;
}

proc_result_t cli_run(const char *home, int json, ...)
{
    va_list ap;
    va_start(ap, json);
    proc_result_t r = run_v(NULL, home, json, ap);
    va_end(ap);
    return r;
}

proc_result_t cli_run_env(char *const env[], const char *home, int json, ...)
{
    va_list ap;
    va_start(ap, json);
    proc_result_t r = run_v(env, home, json, ap);
    va_end(ap);
    return r;
}
