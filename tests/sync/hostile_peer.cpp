// Test helper: a hostile plain peer. Two stock OpenDHT nodes (dht::DhtRunner, none of dnasync's
// value types or policies) on the dnasync network: one stores and serves anything it is sent,
// the other puts the crafted values (so the serving one holds them as a storage node).
#include "hostile_peer.h"

#include "dht/dht.h"

#include <opendht/dhtrunner.h>

#include <chrono>
#include <future>
#include <thread>

struct hostile_peer {
    dht::DhtRunner server, runner;
};

static void join(dht::DhtRunner &r, const char *bootstrap)
{
    dht::DhtRunner::Config cfg;
    cfg.dht_config.node_config.network = DNASYNC_DHT_NETWORK_ID;
    cfg.dht_config.node_config.max_peer_req_per_sec = -1;
    cfg.threaded = true;
    r.run("127.0.0.1", "", "0", cfg);
    r.bootstrap(bootstrap);
    for (int i = 0; i < 100 && r.getNodesStats(AF_INET).good_nodes == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

extern "C" hostile_peer_t *hp_start(const char *bootstrap)
{
    try {
        auto *hp = new hostile_peer_t;
        join(hp->server, bootstrap);
        join(hp->runner, bootstrap);
        return hp;
    } catch (const std::exception &) {
        return nullptr;
    }
}

extern "C" int hp_put(hostile_peer_t *hp, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint16_t type,
                      uint64_t id, const uint8_t *val, size_t len)
{
    try {
        auto v = std::make_shared<dht::Value>(type, val, len, id);
        auto done = std::make_shared<std::promise<bool>>();
        hp->runner.put(dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES), v,
                       [done](bool ok) { done->set_value(ok); });
        auto f = done->get_future();
        return f.wait_for(std::chrono::seconds(20)) == std::future_status::ready && f.get() ? 0
                                                                                            : -1;
    } catch (const std::exception &) {
        return -1;
    }
}

extern "C" void hp_stop(hostile_peer_t *hp)
{
    if (!hp)
        return;
    for (auto *r : {&hp->runner, &hp->server}) {
        r->shutdown({}, true);
        r->join();
    }
    delete hp;
}
