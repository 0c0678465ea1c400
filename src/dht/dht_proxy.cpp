// OpenDHT REST proxy for `dnasync node --proxy-port` (see dht_proxy.h).
// libopendht 2.4.12 (Debian) is built with JSON support; its proxy header needs the same switch.
#ifndef OPENDHT_JSONCPP
#define OPENDHT_JSONCPP 1
#endif
// It is also built with push notifications: without this switch the DhtProxyServer layout seen
// here is smaller than the library's and its constructor writes past our allocation (ASan:
// new-delete-type-mismatch, 3176 vs 3224 bytes).
#ifndef OPENDHT_PUSH_NOTIFICATIONS
#define OPENDHT_PUSH_NOTIFICATIONS 1
#endif
#include "dht/dht_proxy.h"

#include "dht/dht.h"
#include "dnasync/status.h"

#include <opendht/dht_proxy_server.h>
#include <opendht/dhtrunner.h>

#include <cstdio>
#include <memory>
#include <string>

struct dht_proxy {
    std::shared_ptr<dht::DhtRunner> runner;
    std::unique_ptr<dht::DhtProxyServer> server;
};

extern "C" int dht_proxy_start(const char *node, const char *bind, uint16_t port, dht_proxy_t **out,
                               char *err, size_t errlen)
{
    if (!node || !bind || !out)
        return DNASYNC_EINVAL;
    *out = nullptr;
    try {
        auto p = std::make_unique<dht_proxy>();
        p->runner = std::make_shared<dht::DhtRunner>();
        dht::DhtRunner::Config rc;
        rc.dht_config.node_config.network = DNASYNC_DHT_NETWORK_ID;
        rc.threaded = true;
        p->runner->run("127.0.0.1", "", "0", rc);
        // Lifetimes of dnasync values for what this client node caches.
        p->runner->registerType(
            dht::ValueType(DNASYNC_DHT_TYPE_MESSAGE, "dnasync message",
                           std::chrono::hours(24 * DNASYNC_DHT_TTL_MESSAGE_DAYS)));
        p->runner->registerType(
            dht::ValueType(DNASYNC_DHT_TYPE_TOMBSTONE, "dnasync tombstone",
                           std::chrono::hours(24 * DNASYNC_DHT_TTL_TOMBSTONE_DAYS)));
        p->runner->registerType(
            dht::ValueType(DNASYNC_DHT_TYPE_IDENTITY, "dnasync identity",
                           std::chrono::hours(24 * DNASYNC_DHT_TTL_IDENTITY_DAYS)));
        p->runner->registerType(
            dht::ValueType(DNASYNC_DHT_TYPE_SUMMARY, "dnasync summary",
                           std::chrono::hours(24 * DNASYNC_DHT_TTL_SUMMARY_DAYS)));
        p->runner->bootstrap(node);
        dht::ProxyServerConfig pc;
        pc.address = bind;
        pc.port = port;
        p->server = std::make_unique<dht::DhtProxyServer>(p->runner, pc);
        *out = p.release();
        return DNASYNC_OK;
    } catch (const std::exception &e) {
        if (err && errlen)
            std::snprintf(err, errlen, "%s", e.what());
        return DNASYNC_EDHT;
    }
}

extern "C" void dht_proxy_stop(dht_proxy_t *p)
{
    if (!p)
        return;
    // The runner first: joining it flushes its listen caches into the server's callbacks
    // (issue 13 "crash on stop": with the server destroyed first they wrote into freed memory,
    // exit 139). The server goes once no callback can reach it any more.
    p->runner->shutdown({}, true);
    p->runner->join();
    p->server.reset();
    delete p;
}
