/* Internal: the one way to wait on a condition variable with a timeout. Deadlines are taken on
 * CLOCK_MONOTONIC, so a wall-clock jump (NTP, a user changing the date) neither ends a wait early
 * nor stretches it. Every condition variable given to pthread_cond_timedwait with such a deadline
 * must be made by dnasync_cond_init. */
#ifndef DNASYNC_COMMON_COND_H
#define DNASYNC_COMMON_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init on CLOCK_MONOTONIC; 0 or the pthread error. */
int dnasync_cond_init(pthread_cond_t *c);

/* *out = now + ms on CLOCK_MONOTONIC, for pthread_cond_timedwait on a dnasync_cond_init cond. */
void dnasync_deadline_ms(struct timespec *out, uint64_t ms);

#endif
