#include "cli_run.h"

#include "check.h"

#include <stdarg.h>
#include <stdio.h>

proc_result_t cli_run(const char *home, int json, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)DNASYNC_CLI_PATH;
    if (home) {
        argv[n++] = (char *)"--home";
        argv[n++] = (char *)home;
    }
    if (json)
        argv[n++] = (char *)"--json";
    va_list ap;
    va_start(ap, json);
    const char *a;
    while (n < 63 && (a = va_arg(ap, const char *)))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    proc_result_t r;
    CHECK(proc_run(argv, NULL, 60, &r) == 0);
    return r;
}
