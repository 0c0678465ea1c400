/* Internal: one log line format for long-running processes (`dnasync node`, the DHT adapter):
 *   2026-12-01T22:03:04.123Z WARN dnasync node: text
 * ISO-8601 UTC time (from the default env's clock), level, source, message; one write per line so
 * lines of several threads never interleave. Goes to stderr. */
#ifndef DNASYNC_COMMON_LOG_H
#define DNASYNC_COMMON_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dnasync_log_level { DNASYNC_LOG_ERROR, DNASYNC_LOG_WARN, DNASYNC_LOG_INFO, DNASYNC_LOG_DEBUG };

void dnasync_log(int level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dnasync_vlog(int level, const char *who, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif
#endif
