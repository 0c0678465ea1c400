/* Internal: the daemon's log, one line per event on (a dup of) stderr:
 * "2026-12-01T22:41:07.123Z INFO  message". Thread-safe. */
#ifndef DNASYNC_DAEMON_LOG_H
#define DNASYNC_DAEMON_LOG_H

typedef enum dlog_level { DLOG_DEBUG, DLOG_INFO, DLOG_WARN, DLOG_ERROR } dlog_level_t;

/* Keep a dup of fd 2 as the log (before exec_init points fd 2 elsewhere). 0 ok. */
int dlog_init(void);
void dlog(dlog_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
