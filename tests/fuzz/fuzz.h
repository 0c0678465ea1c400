/* Shared by the fuzz targets, their libFuzzer builds and the plain replay driver. */
#ifndef DNASYNC_FUZZ_H
#define DNASYNC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; every target defines it. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs the target parsed successfully (the replay driver checks its corpus reaches past the
 * first checks: a corpus the code no longer accepts must be regenerated, not silently kept). */
extern unsigned long fuzz_accepted;

/* An invariant broke: print it and abort(), which libFuzzer and the replay driver report. */
#define FUZZ_ASSERT(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))
_Noreturn void fuzz_fail(const char *what, const char *file, int line);

#endif
