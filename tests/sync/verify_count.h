/* Counts Ed25519 signature checks: linked with -Wl,--wrap=dnasync_sign_verify (tests/sync's
 * dnasync_verify_count_test), every dnasync_sign_verify call goes through the counter. */
#ifndef DNASYNC_TEST_VERIFY_COUNT_H
#define DNASYNC_TEST_VERIFY_COUNT_H

#include <stdint.h>

/* Calls of dnasync_sign_verify since the process started. */
uint64_t verify_count(void);

#endif
