// The hostile peer (hostile_node.h): a stock dht::DhtRunner. It registers no dnasync type, so
// it stores any value it is given (OpenDHT's permissive default type) and answers gets with it.
#include "hostile_node.h"

#include "dht/dht.h"

#include <opendht/dhtrunner.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

struct hostile {
    dht::DhtRunner runner;
};

extern "C" hostile_t *hostile_start(const char *bootstrap)
{
    try {
        auto *h = new hostile;
        dht::DhtRunner::Config cfg;
        cfg.dht_config.node_config.network = DNASYNC_DHT_NETWORK_ID;
        cfg.dht_config.node_config.max_peer_req_per_sec = -1;
        cfg.dht_config.node_config.max_store_size = 512 * 1024 * 1024;
        cfg.threaded = true;
        h->runner.run("127.0.0.1", "", "0", cfg);
        h->runner.bootstrap(bootstrap);
        for (int i = 0; i < 100 && h->runner.getNodesStats(AF_INET).good_nodes == 0; i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return h;
    } catch (const std::exception &) {
        return nullptr;
    }
}

extern "C" int hostile_put(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                           const uint8_t *val, size_t len, uint16_t type, uint64_t id)
{
    auto v = std::make_shared<dht::Value>(type, val, len, id);
    auto p = std::make_shared<std::promise<bool>>();
    auto f = p->get_future();
    h->runner.put(dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES), v, [p](bool ok) { p->set_value(ok); });
    return f.wait_for(std::chrono::seconds(20)) == std::future_status::ready && f.get() ? 1 : 0;
}

extern "C" size_t hostile_put_many(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                                   uint8_t *const *vals, const size_t *lens, const uint64_t *ids,
                                   size_t n, uint16_t type)
{
    struct Flight {
        std::mutex m;
        std::condition_variable cv;
        size_t in_flight{0}, acked{0};
    };
    auto fl = std::make_shared<Flight>();
    dht::InfoHash k(key, DNASYNC_DHT_KEY_BYTES);
    for (size_t i = 0; i < n; i++) {
        {
            std::unique_lock<std::mutex> l(fl->m);
            // bounded: a put whose answer never comes frees its slot after 20 s
            if (!fl->cv.wait_for(l, std::chrono::seconds(20), [&] { return fl->in_flight < 64; }))
                fl->in_flight = 0;
            fl->in_flight++;
        }
        auto v = std::make_shared<dht::Value>(type, vals[i], lens[i], ids[i]);
        h->runner.put(k, v, [fl](bool ok) {
            std::lock_guard<std::mutex> l(fl->m);
            if (fl->in_flight)
                fl->in_flight--;
            if (ok)
                fl->acked++;
            fl->cv.notify_all();
        });
    }
    std::unique_lock<std::mutex> l(fl->m);
    fl->cv.wait_for(l, std::chrono::seconds(60), [&] { return fl->in_flight == 0; });
    return fl->acked;
}

extern "C" int hostile_serve(hostile_t *h, const uint8_t key[DNASYNC_DHT_KEY_BYTES],
                             const uint8_t *val, size_t len, uint16_t type, uint64_t id)
{
    // OpenDHT's own export format: an array of [created, value]; importing skips every policy.
    dht::Value v(type, val, len, id);
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(&buf);
    pk.pack_array(1);
    pk.pack_array(2);
    pk.pack(dht::clock::now().time_since_epoch().count());
    v.msgpack_pack(pk);
    dht::ValuesExport e;
    e.first = dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES);
    e.second.assign(reinterpret_cast<const uint8_t *>(buf.data()),
                    reinterpret_cast<const uint8_t *>(buf.data()) + buf.size());
    h->runner.importValues({e});
    return 1;
}

extern "C" void hostile_addr(hostile_t *h, char out[32])
{
    std::snprintf(out, 32, "127.0.0.1:%u", (unsigned)h->runner.getBoundPort());
}

extern "C" void hostile_stop(hostile_t *h)
{
    if (!h)
        return;
    h->runner.shutdown({}, true);
    h->runner.join();
    delete h;
}
