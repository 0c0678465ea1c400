#include "verify_count.h"

#include <stddef.h>

static uint64_t verifies;

int __real_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64]);
int __wrap_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64]);
int __wrap_dnasync_sign_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                               const uint8_t sig[64])
{
    verifies++;
    return __real_dnasync_sign_verify(pk, msg, len, sig);
}

uint64_t verify_count(void)
{
    return verifies;
}
