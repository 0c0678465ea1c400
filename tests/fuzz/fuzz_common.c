#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

unsigned long fuzz_accepted;

_Noreturn void fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}
