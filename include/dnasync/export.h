/* DNASYNC_API marks the functions libdnasync.so exports: the product API. The library is built
 * with -fvisibility=hidden, so everything else (the layers' internals) stays inside it; the list
 * is checked by tests/abi (exported.txt). */
#ifndef DNASYNC_EXPORT_H
#define DNASYNC_EXPORT_H

#define DNASYNC_API __attribute__((visibility("default")))

#endif
