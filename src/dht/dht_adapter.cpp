// The C++17 adapter over OpenDHT 2.4.12 (see dht_adapter.h for why dht::Dht and not DhtRunner).
#include "dht/dht_adapter.h"
#include "dht/dht_bind.h"

#include "common/log.h"
#include "dht/dht_persist.h"

#include "dht/dht.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dnasync/status.h"

#include <opendht/dht.h>
#include <opendht/log_enable.h>
#include <opendht/network_utils.h>
#include <opendht/value.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace
{

using Op = std::function<void(dht::Dht &)>;
using steady = std::chrono::steady_clock;

std::atomic<uint64_t> g_refused{0}; // across nodes in the process (stats)

struct ListenEntry {
    std::recursive_mutex m;
    bool active{true};
    dnad_value_cb cb{};
    void *user{};
    dht::InfoHash key;
    size_t token{0};
};

struct Waiter {
    std::mutex m;
    std::condition_variable cv;
    bool done{false};
    bool ok{false};
    void finish(bool k)
    {
        std::lock_guard<std::mutex> l(m);
        done = true;
        ok = k;
        cv.notify_all();
    }
    bool wait(int timeout_ms)
    {
        std::unique_lock<std::mutex> l(m);
        return cv.wait_for(l, std::chrono::milliseconds(timeout_ms), [this] { return done; });
    }
};

// ---- policies (run on the DHT thread of every storing node) ----

bool foreign_features(const dht::Value &v)
{
    // OpenDHT-signed or -encrypted values, or any OpenDHT metadata dnasync never sets.
    return v.isSigned() || v.isEncrypted() || v.owner || !v.signature.empty() ||
           !v.cypher.empty() || bool(v.recipient) || !v.user_type.empty() || v.seq != 0;
}

bool value_ok(uint16_t type, uint64_t id, const uint8_t *data, size_t len, dht_value_t *dv)
{
    int kind = dht_kind_of_type(type);
    if (!kind || len > DHT_VALUE_MAX_BYTES)
        return false;
    if (dht_value_decode(data, len, dv) != 0)
        return false;
    return dv->kind == kind && dht_value_id(dv) == id && dht_value_verify(dv) == 0;
}

// A summary is kept only at the key its own content names (sum/<mailbox>/<day>), a bundle only
// at its bucket (box/<mailbox>/<day>/<shard>) or that day's doorbell (which carries a copy of
// the last value put): nobody can park them on other keys.
bool at_own_key(const dht::InfoHash &key, const dht_value_t &dv)
{
    uint8_t k[DNASYNC_DHT_KEY_BYTES];
    auto is = [&](int rc) { return rc == 0 && std::memcmp(k, key.data(), sizeof k) == 0; };
    if (DHT_KIND_IS_BUNDLE(dv.kind))
        return is(dht_key_box(k, dv.mailbox, (int64_t)dv.day, dv.shard)) ||
               is(dht_key_bell(k, dv.mailbox, (int64_t)dv.day));
    if (dv.kind != DHT_KIND_SUMMARY)
        return true;
    return is(dht_key_sum(k, dv.mailbox, (int64_t)dv.day));
}

// What one key may hold on this node (docs/dht.md "Caps"), so a flood cannot make a key
// unreadable: at most DHT_SUMMARY_KEY_CAP summaries per summary key, of which at most
// DHT_MAX_DEVICES by one signing key (one per device; a newer edition of a summary replaces it
// through the edit policy and counts once), and DHT_KEY_CAP values on any other key.
bool within_caps(const dht::Dht &d, const dht::InfoHash &key, const dht_value_t &dv)
{
    auto held = d.getLocal(key);
    size_t same = 0; // the signer's summaries, counted only while the key has room
    bool count = dv.kind == DHT_KIND_SUMMARY && held.size() < DHT_SUMMARY_KEY_CAP;
    for (size_t i = 0; count && i < held.size(); i++) {
        dht_value_t o;
        std::memset(&o, 0, sizeof o);
        if (dht_value_decode(held[i]->data.data(), held[i]->data.size(), &o) == 0 &&
            std::memcmp(o.author_pk, dv.author_pk, sizeof o.author_pk) == 0)
            same++;
        dht_value_clear(&o);
    }
    return dht_caps_room(dv.kind, held.size(), same, nullptr, 0) != 0;
}

// A new id at a key: every check of value_ok, the cheap ones (layout, id, key, caps) before the
// signature, so refusing a flood costs little.
bool store_at(const dht::Dht &d, const dht::InfoHash &key, const dht::Value &v)
{
    int kind = dht_kind_of_type(v.type);
    if (foreign_features(v) || !kind || v.data.size() > DHT_VALUE_MAX_BYTES)
        return false;
    dht_value_t dv;
    bool ok = dht_value_decode(v.data.data(), v.data.size(), &dv) == 0 && dv.kind == kind &&
              dht_value_id(&dv) == v.id && at_own_key(key, dv) && within_caps(d, key, dv) &&
              dht_value_verify(&dv) == 0;
    dht_value_clear(&dv);
    return ok;
}

// Whether n is a later edition of o that every node accepts in place of it: same author, and
// a higher counter (summaries) or a later claim (identity records). Messages, tombstones and
// receipts are never edited (a tombstone has its own id, see dht_value_id); identical re-puts
// are refreshes that OpenDHT handles before any policy.
bool newer_edition(const dht::Value &o, const dht::Value &n)
{
    if (foreign_features(n) || foreign_features(o))
        return false;
    bool ok = false;
    dht_value_t ov, nv;
    std::memset(&ov, 0, sizeof ov);
    if (value_ok(n.type, n.id, n.data.data(), n.data.size(), &nv) &&
        dht_value_decode(o.data.data(), o.data.size(), &ov) == 0 &&
        std::memcmp(ov.author_pk, nv.author_pk, sizeof ov.author_pk) == 0) {
        if (ov.kind == DHT_KIND_SUMMARY && nv.kind == DHT_KIND_SUMMARY)
            ok = nv.counter > ov.counter && nv.day == ov.day &&
                 std::strcmp(nv.mailbox, ov.mailbox) == 0 &&
                 std::memcmp(nv.writer_id, ov.writer_id, DHT_WRITER_ID_BYTES) == 0;
        else if (ov.kind == DHT_KIND_IDENTITY && nv.kind == DHT_KIND_IDENTITY)
            ok = nv.created_at > ov.created_at && std::strcmp(nv.name, ov.name) == 0;
    }
    dht_value_clear(&ov);
    dht_value_clear(&nv);
    return ok;
}

bool edit_policy(dht::InfoHash, const std::shared_ptr<dht::Value> &o,
                 std::shared_ptr<dht::Value> &n, const dht::InfoHash &, const dht::SockAddr &)
{
    bool ok = o && n && newer_edition(*o, *n);
    if (!ok)
        g_refused++;
    return ok;
}

bool refuse_store(dht::InfoHash, std::shared_ptr<dht::Value> &, const dht::InfoHash &,
                  const dht::SockAddr &)
{
    g_refused++;
    return false;
}

bool refuse_edit(dht::InfoHash, const std::shared_ptr<dht::Value> &, std::shared_ptr<dht::Value> &,
                 const dht::InfoHash &, const dht::SockAddr &)
{
    g_refused++;
    return false;
}

std::chrono::hours days(int d)
{
    return std::chrono::hours(24 * d);
}

void register_types(dht::Dht &d, bool strict)
{
    if (strict) {
        // OpenDHT falls back to a built-in permissive type for unregistered ids and that fallback
        // cannot be replaced, so strict mode registers a refusing type on every other id.
        dht::ValueType refuse(0, "refused", std::chrono::minutes(1), refuse_store, refuse_edit);
        for (uint32_t id = 0; id <= 0xffff; id++) {
            if (dht_kind_of_type((uint16_t)id))
                continue;
            refuse.id = (uint16_t)id;
            d.registerType(refuse);
        }
    }
    // The node outlives its registered types (they live in its own registry).
    const dht::Dht *node = &d;
    auto store_policy = [node](dht::InfoHash key, std::shared_ptr<dht::Value> &v,
                               const dht::InfoHash &, const dht::SockAddr &) {
        bool ok = v && store_at(*node, key, *v);
        if (!ok)
            g_refused++;
        return ok;
    };
    for (int kind = DHT_KIND_MESSAGE; kind <= DHT_KIND_BUNDLE_RECEIPT; kind++) {
        std::string name = std::string("dnasync ") + dht_kind_name(kind);
        d.registerType(dht::ValueType(dht_type_of_kind(kind), name, days(dht_lifetime_days(kind)),
                                      store_policy, edit_policy));
    }
}

void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

std::string state_file(const std::string &dir, const char *name)
{
    return dir + "/" + name;
}

// Checks dir/name before anything reads or replaces it: a file that cannot be read or decoded
// (cut short by a full disk or a crash, emptied, foreign) is renamed aside and logged, never
// overwritten. vals (may be null) gets the values of an export. False when the file is still in
// place and must not be written over.
bool keep_aside_if_unreadable(const std::string &dir, const char *name,
                              std::vector<dht::ValuesExport> *vals)
{
    char *buf = nullptr;
    size_t len = 0;
    char err[512] = "";
    int rc = dht_persist_read(dir.c_str(), name, &buf, &len, err, sizeof err);
    if (rc == DNASYNC_ENOTFOUND)
        return true;
    if (rc != DNASYNC_OK) {
        dnasync_log(DNASYNC_LOG_ERROR, "dnasync dht", "%s; it will not be replaced",
                    err[0] ? err : "out of memory");
        return false;
    }
    std::string why;
    try {
        auto oh = msgpack::unpack(buf, len);
        if (vals)
            *vals = oh.get().as<std::vector<dht::ValuesExport>>();
    } catch (const std::exception &e) {
        why = len == 0 ? std::string("empty file") : e.what();
    }
    std::free(buf);
    if (why.empty())
        return true;
    if (vals)
        vals->clear();
    return dht_persist_set_aside(dir.c_str(), name, why.c_str()) == DNASYNC_OK;
}

} // namespace

struct dnad_node {
    std::unique_ptr<dht::Dht> dht;
    std::mutex mtx; // ops, listens, running
    std::condition_variable cv;
    std::deque<Op> ops;
    bool running{false};
    std::mutex sock_mtx;
    dht::net::PacketList rcv, rcv_free;
    std::atomic<bool> pkt_pending{false};
    std::thread th;
    uint16_t port{0};
    std::string persist_dir;
    bool can_save{true};  // false when an unreadable export could not be kept aside
    std::mutex save_mtx;  // one save at a time (periodic saver, dnad_save, dnad_stop)
    std::mutex saver_mtx; // saver_stop
    std::condition_variable saver_cv;
    bool saver_stop{false};
    std::thread saver;
    std::map<uint64_t, std::shared_ptr<ListenEntry>> listens;
    uint64_t next_listen{1};
    uint64_t sent[5]{}; // requests sent since start (OpenDHT resets its own counters on read)

    // The periodic save: a kill -9 loses at most one period of stored values.
    void save_periodically(std::chrono::seconds every)
    {
        std::unique_lock<std::mutex> l(saver_mtx);
        while (!saver_cv.wait_for(l, every, [this] { return saver_stop; })) {
            l.unlock();
            dnad_save(this, 0);
            l.lock();
        }
    }

    bool post(Op op)
    {
        std::lock_guard<std::mutex> l(mtx);
        if (!running)
            return false;
        ops.push_back(std::move(op));
        cv.notify_all();
        return true;
    }

    void loop()
    {
        for (;;) {
            std::deque<Op> todo;
            {
                std::lock_guard<std::mutex> l(mtx);
                if (!running)
                    break;
                todo.swap(ops);
            }
            for (auto &op : todo) {
                try {
                    op(*dht);
                } catch (const std::exception &e) {
                    dnasync_log(DNASYNC_LOG_ERROR, "dnasync dht", "operation failed: %s", e.what());
                }
            }
            dht::net::PacketList got;
            {
                std::lock_guard<std::mutex> l(sock_mtx);
                got.splice(got.end(), rcv);
                pkt_pending = false;
            }
            dht::time_point wakeup{};
            try {
                if (got.empty()) {
                    wakeup = dht->periodic(nullptr, 0, dht::SockAddr{}, dht::clock::now());
                } else {
                    for (auto &p : got) {
                        auto now = dht::clock::now();
                        if (now - p.received <= dht::net::RX_QUEUE_MAX_DELAY)
                            wakeup =
                                dht->periodic(p.data.data(), p.data.size(), std::move(p.from), now);
                        p.data.clear();
                    }
                }
            } catch (const std::exception &e) {
                dnasync_log(DNASYNC_LOG_ERROR, "dnasync dht", "%s", e.what());
                wakeup = dht::clock::now() + std::chrono::milliseconds(100);
            }
            if (!got.empty()) {
                std::lock_guard<std::mutex> l(sock_mtx);
                if (rcv_free.size() < dht::net::RX_QUEUE_MAX_SIZE)
                    rcv_free.splice(rcv_free.end(), got);
            }
            std::unique_lock<std::mutex> l(mtx);
            auto ready = [this] { return !running || !ops.empty() || pkt_pending.load(); };
            if (wakeup == dht::time_point::max() || wakeup == dht::time_point{})
                cv.wait_for(l, std::chrono::seconds(1), ready);
            else
                cv.wait_until(l, wakeup, ready);
        }
    }
};

extern "C" {

int dnad_policy_store_ok(uint16_t type, uint64_t id, const uint8_t *data, size_t len)
{
    dht_value_t dv;
    std::memset(&dv, 0, sizeof dv);
    bool ok = data && value_ok(type, id, data, len, &dv);
    dht_value_clear(&dv);
    return ok ? 1 : 0;
}

int dnad_policy_edit_ok(uint16_t type, uint64_t id, const uint8_t *held, size_t held_len,
                        const uint8_t *data, size_t len)
{
    if (!held || !data)
        return 0;
    dht::Value o(type, held, held_len, id), n(type, data, len, id);
    if (o.data == n.data)
        return 1; // a refresh, which OpenDHT handles before any policy
    return newer_edition(o, n) ? 1 : 0;
}

int dnad_policy_key_ok(const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint16_t type, uint64_t id,
                       const uint8_t *data, size_t len)
{
    dht_value_t dv;
    std::memset(&dv, 0, sizeof dv);
    bool ok = key && data && value_ok(type, id, data, len, &dv) &&
              at_own_key(dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES), dv);
    dht_value_clear(&dv);
    return ok ? 1 : 0;
}

int dnad_start(const dnad_config_t *cfg, dnad_node_t **out, char *err, size_t errlen)
{
    if (!cfg || !out)
        return DNASYNC_EINVAL;
    *out = nullptr;
    auto n = std::make_unique<dnad_node>();
    try {
        std::shared_ptr<dht::Logger> logger;
        if (cfg->log_level > 0) {
            auto err = [](char const *fmt, va_list ap) {
                dnasync_vlog(DNASYNC_LOG_ERROR, "opendht", fmt, ap);
            };
            auto warn = [](char const *fmt, va_list ap) {
                dnasync_vlog(DNASYNC_LOG_WARN, "opendht", fmt, ap);
            };
            auto debug = [](char const *fmt, va_list ap) {
                dnasync_vlog(DNASYNC_LOG_DEBUG, "opendht", fmt, ap);
            };
            logger = std::make_shared<dht::Logger>(dht::LogMethod(err), dht::LogMethod(warn),
                                                   cfg->log_level > 1 ? dht::LogMethod(debug)
                                                                      : dht::LogMethod());
        }
        std::string bind = cfg->bind && *cfg->bind ? cfg->bind : "127.0.0.1";
        uint16_t port = cfg->port;
        bool remembered = false; // port of the last run, not asked for: may give way
        if (cfg->persist_dir && *cfg->persist_dir) {
            n->persist_dir = cfg->persist_dir;
            std::error_code ec;
            std::filesystem::create_directories(n->persist_dir, ec);
            if (ec) {
                set_err(err, errlen, "cannot create %s: %s", cfg->persist_dir,
                        ec.message().c_str());
                return DNASYNC_EIO;
            }
            if (port == 0) { // reuse the port of the last run: peers remember it
                std::ifstream pf(state_file(n->persist_dir, "port"));
                unsigned p = 0;
                if (pf >> p && p > 0 && p < 65536)
                    port = (uint16_t)p, remembered = true;
            }
        }
        auto addrs = dht::SockAddr::resolve(bind, std::to_string(port));
        if (addrs.empty()) {
            set_err(err, errlen, "cannot use bind address '%s'", bind.c_str());
            return DNASYNC_EINVAL;
        }
        // OpenDHT 2.4.12's Dht::listen fails (token 0) unless BOTH address families run, so the
        // other family is always bound too: loopback beside loopback, any beside any.
        dht::SockAddr b4, b6;
        bool any = bind == "0.0.0.0" || bind == "::";
        if (addrs.front().getFamily() == AF_INET6) {
            b6 = addrs.front();
            auto o = dht::SockAddr::resolve(any ? "0.0.0.0" : "127.0.0.1", "0");
            if (!o.empty())
                b4 = o.front();
        } else {
            b4 = addrs.front();
            auto o = dht::SockAddr::resolve(any ? "::" : "::1", "0");
            if (!o.empty())
                b6 = o.front();
        }
        std::string why;
        auto sock = dnad_bind_udp(b4, b6, logger, why);
        if (!sock && remembered) { // taken since the last run: a new port for both families
            std::fprintf(stderr, "dnasync dht: %s; using a new port\n", why.c_str());
            (b4 && b4.getPort() ? b4 : b6).setPort(0);
            sock = dnad_bind_udp(b4, b6, logger, why);
        }
        if (!sock) {
            set_err(err, errlen, "%s", why.c_str());
            return DNASYNC_EDHT;
        }
        dnad_node *np = n.get();
        sock->setOnReceive([np](dht::net::PacketList &&pkts) {
            dht::net::PacketList ret;
            {
                std::lock_guard<std::mutex> l(np->sock_mtx);
                np->rcv.splice(np->rcv.end(), pkts);
                while (np->rcv.size() > dht::net::RX_QUEUE_MAX_SIZE)
                    np->rcv.pop_front();
                ret = std::move(np->rcv_free);
                np->pkt_pending = true;
            }
            {
                std::lock_guard<std::mutex> l(np->mtx);
                np->cv.notify_all();
            }
            return ret;
        });
        n->port = sock->getBoundRef(b6 ? AF_INET6 : AF_INET).getPort();

        dht::Config dc;
        dc.network = cfg->network_id;
        dc.max_req_per_sec = cfg->max_req_per_sec;
        dc.max_peer_req_per_sec = cfg->max_peer_req_per_sec;
        dc.max_store_size = cfg->max_store_size;
        // Storage nodes hand values to the key's closest nodes when they are no longer among
        // them (every 10 min per key): without it a value put on one side of a healed partition
        // stays on nodes that gets of the merged network may never ask (docs/scale.md, scenario
        // (c)). OpenDHT then also hands every stored value over at shutdown, which cost each
        // one-shot device command 1.5-14 s of stopping: devices (their puts are confirmed by
        // other nodes already) leave it off.
        dc.maintain_storage = cfg->maintain_storage != 0;
        if (!n->persist_dir.empty()) {
            // OpenDHT writes dht.state in place (not atomically): a cut-short file from a full
            // disk or a crash is kept aside rather than handed to its loader.
            keep_aside_if_unreadable(n->persist_dir, "dht.state", nullptr);
            dc.persist_path = state_file(n->persist_dir, "dht.state");
        }
        n->dht = std::make_unique<dht::Dht>(std::move(sock), dc, logger);
        // Types before the loop runs: no packet is processed before our policies are in place.
        register_types(*n->dht, cfg->strict_types != 0);
        if (!n->persist_dir.empty()) {
            // OpenDHT re-imported its saved values before our types existed (10-minute default
            // lifetime); import our export again so every value gets its type's lifetime back.
            std::vector<dht::ValuesExport> vals;
            n->can_save = keep_aside_if_unreadable(n->persist_dir, "values.msgpack", &vals);
            if (!vals.empty())
                n->dht->importValues(vals);
            char pb[16], perr[600] = "";
            int pl = std::snprintf(pb, sizeof pb, "%u\n", (unsigned)n->port);
            if (dht_persist_write(n->persist_dir.c_str(), "port", pb, (size_t)pl, perr,
                                  sizeof perr) != DNASYNC_OK)
                dnasync_log(DNASYNC_LOG_WARN, "dnasync dht", "cannot save the port: %s", perr);
        }
        n->running = true;
        n->th = std::thread([np] { np->loop(); });
        if (!n->persist_dir.empty() && cfg->persist_interval_s >= 0) {
            auto every = std::chrono::seconds(cfg->persist_interval_s ? cfg->persist_interval_s
                                                                      : DNAD_PERSIST_INTERVAL_S);
            n->saver = std::thread([np, every] { np->save_periodically(every); });
        }
    } catch (const std::exception &e) {
        set_err(err, errlen, "cannot start the DHT node: %s", e.what());
        return DNASYNC_EDHT;
    }
    *out = n.release();
    return DNASYNC_OK;
}

void dnad_stop(dnad_node_t *n, int timeout_ms)
{
    if (!n)
        return;
    if (n->saver.joinable()) {
        {
            std::lock_guard<std::mutex> l(n->saver_mtx);
            n->saver_stop = true;
        }
        n->saver_cv.notify_all();
        n->saver.join();
    }
    dnad_save(n, timeout_ms);
    auto w = std::make_shared<Waiter>();
    bool posted = n->post([w](dht::Dht &d) {
        d.shutdown([w] { w->finish(true); }); // saves dht.state, waits for pending puts
    });
    if (posted)
        w->wait(timeout_ms > 0 ? timeout_ms : 5000);
    {
        std::lock_guard<std::mutex> l(n->mtx);
        n->running = false;
        n->cv.notify_all();
    }
    if (n->th.joinable())
        n->th.join();
    {
        std::lock_guard<std::mutex> l(n->mtx);
        for (auto &e : n->listens) {
            std::lock_guard<std::recursive_mutex> el(e.second->m);
            e.second->active = false;
        }
        n->listens.clear();
    }
    n->dht.reset(); // stops the socket's receive thread
    delete n;
}

int dnad_save(dnad_node_t *n, int timeout_ms)
{
    if (!n)
        return DNASYNC_EINVAL;
    if (n->persist_dir.empty())
        return DNASYNC_OK;
    std::lock_guard<std::mutex> sl(n->save_mtx);
    if (!n->can_save)
        return DNASYNC_EIO;
    struct S : Waiter {
        msgpack::sbuffer buf;
        std::string err;
    };
    auto st = std::make_shared<S>();
    // Export on the DHT thread (it owns the store), write on this one (no disk I/O there).
    bool posted = n->post([st](dht::Dht &d) {
        try {
            msgpack::pack(st->buf, d.exportValues());
            st->finish(true);
        } catch (const std::exception &e) {
            {
                std::lock_guard<std::mutex> l(st->m);
                st->err = e.what();
            }
            st->finish(false);
        }
    });
    if (!posted || !st->wait(timeout_ms > 0 ? timeout_ms : 5000)) {
        dnasync_log(
            DNASYNC_LOG_ERROR, "dnasync dht",
            "cannot save values.msgpack: the DHT thread did not answer (previous copy kept)");
        return DNASYNC_ETIMEOUT;
    }
    std::lock_guard<std::mutex> l(st->m);
    if (!st->ok) {
        dnasync_log(DNASYNC_LOG_ERROR, "dnasync dht",
                    "cannot export values: %s (previous values.msgpack kept)", st->err.c_str());
        return DNASYNC_EIO;
    }
    char err[600] = "";
    int rc = dht_persist_write(n->persist_dir.c_str(), "values.msgpack", st->buf.data(),
                               st->buf.size(), err, sizeof err);
    if (rc != DNASYNC_OK)
        dnasync_log(DNASYNC_LOG_ERROR, "dnasync dht",
                    "cannot save values.msgpack (previous copy kept): %s", err);
    return rc;
}

int dnad_bootstrap(dnad_node_t *n, const char *host, const char *port)
{
    if (!n || !host || !port)
        return DNASYNC_EINVAL;
    std::string h(host), p(port);
    return n->post([h, p](dht::Dht &d) { d.addBootstrap(h, p); }) ? DNASYNC_OK : DNASYNC_EDHT;
}

int dnad_put(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint8_t *data,
             size_t len, uint16_t type, uint64_t id, uint64_t age_ms, dnad_done_cb cb, void *user)
{
    if (!n || !key || (!data && len))
        return DNASYNC_EINVAL;
    if (len > DHT_VALUE_MAX_BYTES)
        return DNASYNC_ETOOBIG;
    try {
        auto v = std::make_shared<dht::Value>(type, data, len, id);
        dht::InfoHash k(key, DNASYNC_DHT_KEY_BYTES);
        auto created = dht::clock::now() - std::chrono::milliseconds(age_ms);
        bool ok = n->post([k, v, created, cb, user](dht::Dht &d) {
            d.put(
                k, v,
                [cb, user](bool ok, const std::vector<std::shared_ptr<dht::Node>> &) {
                    if (cb)
                        cb(user, ok ? 1 : 0);
                },
                created, false);
        });
        return ok ? DNASYNC_OK : DNASYNC_EDHT;
    } catch (const std::bad_alloc &) {
        return DNASYNC_ENOMEM;
    }
}

namespace
{
using Versions = std::vector<std::shared_ptr<dht::Value>>;

struct GetState : Waiter {
    std::map<uint64_t, Versions> vals; // distinct versions per id, newest edition only
    std::set<uint64_t> ids;
    int pending{0};
    dnad_first_cb first{}; // cleared once called, and when the caller stops waiting
    void *first_user{};
};

// A value copied out for a C caller (data malloc'd, freed by dnad_values_free); false when out
// of memory.
bool copy_value(dnad_value_t &to, const dht::Value &v)
{
    to = {v.id, v.type, static_cast<uint8_t *>(std::malloc(v.data.size() ? v.data.size() : 1)),
          v.data.size()};
    if (!to.data)
        return false;
    if (!v.data.empty())
        std::memcpy(to.data, v.data.data(), v.data.size());
    return true;
}

// The first answer that held values, copied for dnad_get_first's callback (which owns them).
void hand_first(GetState &st, const std::vector<std::shared_ptr<dht::Value>> &vs)
{
    auto *arr = static_cast<dnad_value_t *>(std::calloc(vs.size(), sizeof(dnad_value_t)));
    for (size_t i = 0; arr && i < vs.size(); i++)
        if (!copy_value(arr[i], *vs[i])) {
            dnad_values_free(arr, i);
            arr = nullptr;
        }
    auto cb = st.first;
    st.first = nullptr;
    if (arr) // out of memory: no first look, the whole answer still comes
        cb(st.first_user, arr, vs.size());
}

// Nodes may hold different editions of one id (a node that missed the latest summary edit keeps
// the older one, and Dht::get answers from the local store first): keep the newest edition, not
// the first to arrive, and any unrelated version (another author) for the reader to judge.
void merge_version(Versions &vers, const std::shared_ptr<dht::Value> &v)
{
    for (auto &e : vers)
        if (*e == *v || newer_edition(*v, *e))
            return; // already held, or an older edition of one held
    vers.erase(std::remove_if(
                   vers.begin(), vers.end(),
                   [&v](const std::shared_ptr<dht::Value> &e) { return newer_edition(*e, *v); }),
               vers.end());
    vers.push_back(v);
}
} // namespace

namespace
{
int get_values(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
               size_t n_ids, int timeout_ms, dnad_first_cb first, void *first_user,
               dnad_value_t **out, size_t *count)
{
    if (!n || !key || !out || !count || (n_ids && !ids))
        return DNASYNC_EINVAL;
    *out = nullptr;
    *count = 0;
    auto st = std::make_shared<GetState>();
    st->first = first;
    st->first_user = first_user;
    dht::InfoHash k(key, DNASYNC_DHT_KEY_BYTES);
    std::vector<uint64_t> want(ids, ids + n_ids);
    st->pending = want.empty() ? 1 : (int)want.size();
    bool posted = n->post([st, k, want](dht::Dht &d) {
        // A get of one id ends at its first answer when the value is of a kind never edited
        // (a message, tombstone, receipt or bundle): waiting for every node only waited on the
        // slowest, ~1.1 s per new key while a departed node is still in the routing table (the
        // first seconds of a node's life, issue 14). A forgery under the id that answered first
        // is refused by the reader, whose whole-key read of a shard still short waits for every
        // node. Summaries and identity records are edited: their get waits for the newest.
        bool by_id = !want.empty();
        auto onvals = [st, by_id](const std::vector<std::shared_ptr<dht::Value>> &vs) {
            std::lock_guard<std::mutex> l(st->m);
            bool final_value = false;
            for (auto &v : vs) {
                merge_version(st->vals[v->id], v);
                int kind = dht_kind_of_type(v->type);
                final_value |= kind != 0 && kind != DHT_KIND_SUMMARY && kind != DHT_KIND_IDENTITY;
            }
            if (st->first && !vs.empty())
                hand_first(*st, vs);
            return !(by_id && final_value);
        };
        auto ondone = [st](bool, const std::vector<std::shared_ptr<dht::Node>> &) {
            std::lock_guard<std::mutex> l(st->m);
            if (--st->pending == 0) {
                st->done = true;
                st->cv.notify_all();
            }
        };
        if (want.empty())
            d.get(k, onvals, ondone);
        else
            for (auto id : want)
                d.get(k, onvals, ondone, {}, dht::Where().id(id));
    });
    if (!posted)
        return DNASYNC_EDHT;
    bool ended = st->wait(timeout_ms);
    std::lock_guard<std::mutex> l(st->m);
    st->first = nullptr; // the caller's user pointer is not used after this returns
    if (!ended)
        return DNASYNC_ETIMEOUT;
    size_t total = 0;
    for (auto &kv : st->vals)
        total += kv.second.size();
    if (total == 0)
        return DNASYNC_OK;
    auto *arr = static_cast<dnad_value_t *>(std::calloc(total, sizeof(dnad_value_t)));
    if (!arr)
        return DNASYNC_ENOMEM;
    size_t i = 0;
    for (auto &kv : st->vals) {
        if (!want.empty() && std::find(want.begin(), want.end(), kv.first) == want.end())
            continue;
        for (auto &vp : kv.second) {
            if (!copy_value(arr[i], *vp)) {
                dnad_values_free(arr, i);
                return DNASYNC_ENOMEM;
            }
            i++;
        }
    }
    *out = arr;
    *count = i;
    return DNASYNC_OK;
}
} // namespace

int dnad_get(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], const uint64_t *ids,
             size_t n_ids, int timeout_ms, dnad_value_t **out, size_t *count)
{
    return get_values(n, key, ids, n_ids, timeout_ms, nullptr, nullptr, out, count);
}

int dnad_get_first(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                   dnad_first_cb first, void *user, dnad_value_t **out, size_t *count)
{
    if (!first)
        return DNASYNC_EINVAL;
    return get_values(n, key, nullptr, 0, timeout_ms, first, user, out, count);
}

void dnad_values_free(dnad_value_t *v, size_t count)
{
    if (!v)
        return;
    for (size_t i = 0; i < count; i++)
        std::free(v[i].data);
    std::free(v);
}

int dnad_list_ids(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], int timeout_ms,
                  uint64_t **ids, size_t *count)
{
    if (!n || !key || !ids || !count)
        return DNASYNC_EINVAL;
    *ids = nullptr;
    *count = 0;
    auto st = std::make_shared<GetState>();
    dht::InfoHash k(key, DNASYNC_DHT_KEY_BYTES);
    bool posted = n->post([st, k](dht::Dht &d) {
        d.query(
            k,
            // The first answer is the whole listing: Dht::query drops every later answer as
            // already seen (FieldValueIndex::containedIn compares field names, not values;
            // docs/dht.md "Bundles"). Returning false ends the query now instead of waiting
            // for the slowest or a departed node: 1.1 s per listing on the bench network,
            // 9-12 s of a 10,000-message catch-up (issue 14).
            [st](const std::vector<std::shared_ptr<dht::FieldValueIndex>> &fields) {
                std::lock_guard<std::mutex> l(st->m);
                for (auto &f : fields) {
                    auto it = f->index.find(dht::Value::Field::Id);
                    if (it != f->index.end())
                        st->ids.insert(it->second.getInt());
                }
                return st->ids.empty();
            },
            [st](bool ok, const std::vector<std::shared_ptr<dht::Node>> &) { st->finish(ok); },
            dht::Query(dht::Select().field(dht::Value::Field::Id), dht::Where()));
    });
    if (!posted)
        return DNASYNC_EDHT;
    if (!st->wait(timeout_ms))
        return DNASYNC_ETIMEOUT;
    std::lock_guard<std::mutex> l(st->m);
    if (st->ids.empty())
        return DNASYNC_OK;
    auto *arr = static_cast<uint64_t *>(std::malloc(st->ids.size() * sizeof(uint64_t)));
    if (!arr)
        return DNASYNC_ENOMEM;
    size_t i = 0;
    for (auto id : st->ids)
        arr[i++] = id;
    *ids = arr;
    *count = i;
    return DNASYNC_OK;
}

namespace
{
// One asynchronous listing: the ids collected from the answers, and the callback, called exactly
// once: when the query is done, or (the query dropped unrun, e.g. at stop) from the destructor.
struct IdsCall {
    dnad_ids_cb cb;
    void *user;
    std::set<uint64_t> ids;
    bool called{false};
    void finish(bool ok)
    {
        if (called)
            return;
        called = true;
        std::vector<uint64_t> v(ids.begin(), ids.end());
        cb(user, ok ? 1 : 0, v.data(), v.size());
    }
    ~IdsCall() { finish(false); }
};
} // namespace

int dnad_list_ids_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_ids_cb cb,
                        void *user)
{
    if (!n || !key || !cb)
        return DNASYNC_EINVAL;
    std::shared_ptr<IdsCall> c;
    try {
        c = std::make_shared<IdsCall>();
    } catch (const std::bad_alloc &) {
        return DNASYNC_ENOMEM;
    }
    c->cb = cb;
    c->user = user;
    dht::InfoHash k(key, DNASYNC_DHT_KEY_BYTES);
    bool posted = n->post([c, k](dht::Dht &d) {
        d.query(
            k,
            [c](const std::vector<std::shared_ptr<dht::FieldValueIndex>> &fields) {
                for (auto &f : fields) {
                    auto it = f->index.find(dht::Value::Field::Id);
                    if (it != f->index.end())
                        c->ids.insert(it->second.getInt());
                }
                return true;
            },
            // ended, as the blocking listing counts it (OpenDHT's ok is not used there either)
            [c](bool, const std::vector<std::shared_ptr<dht::Node>> &) { c->finish(true); },
            dht::Query(dht::Select().field(dht::Value::Field::Id), dht::Where()));
    });
    if (!posted) {
        c->called = true; // the caller hears it from the return value instead
        return DNASYNC_EDHT;
    }
    return DNASYNC_OK;
}

namespace
{
// One proof of storage: the exact bytes wanted, this node's own copy, what was seen, and the
// callback, called exactly once: when the get is done, or (the get dropped unrun, e.g. at stop)
// from the destructor.
struct HeldCall {
    dnad_held_cb cb;
    void *user;
    dht::InfoHash key;
    uint64_t id;
    dht::Blob bytes;
    // Held for the call: no remote copy can be allocated at its address and pass for it.
    std::shared_ptr<dht::Value> own;
    bool local{false}, remote{false}, called{false};
    void finish(bool ok)
    {
        if (called)
            return;
        called = true;
        cb(user, ok ? 1 : 0, remote ? 1 : 0, local ? 1 : 0);
    }
    ~HeldCall() { finish(false); }
};
} // namespace

int dnad_held_async(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], uint64_t id,
                    const uint8_t *data, size_t len, dnad_held_cb cb, void *user)
{
    if (!n || !key || !cb || (!data && len))
        return DNASYNC_EINVAL;
    std::shared_ptr<HeldCall> c;
    try {
        c = std::make_shared<HeldCall>();
        c->bytes.assign(data, data + len);
    } catch (const std::bad_alloc &) {
        return DNASYNC_ENOMEM;
    }
    c->cb = cb;
    c->user = user;
    c->key = dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES);
    c->id = id;
    bool posted = n->post([c](dht::Dht &d) {
        c->own = d.getLocalById(c->key, c->id);
        c->local = c->own && c->own->data == c->bytes;
        // The raw Dht::get runs its filter on this node's stored values (getLocal, inside the
        // call), on the values of a listen's cache (remote answers) and on every remote answer
        // BEFORE merging it with copies already seen (OpenDHT 2.4.12 dht.cpp:2362-2369), where a
        // copy identical to the local one is dropped. So a call on any object other than the
        // stored one is a copy another node sent; the local one is kept out of the merge, and the
        // first remote copy reaches the callback, which ends the get (docs/dht.md "Reliable puts").
        auto remote_copy = [c](const dht::Value &v) {
            if (&v == c->own.get() || v.id != c->id || v.data != c->bytes)
                return false;
            c->remote = true;
            return true;
        };
        d.get(
            c->key, [c](const std::vector<std::shared_ptr<dht::Value>> &) { return !c->remote; },
            [c](bool, const std::vector<std::shared_ptr<dht::Node>> &) { c->finish(true); },
            remote_copy, dht::Where().id(c->id));
    });
    if (!posted) {
        c->called = true; // the caller hears it from the return value instead
        return DNASYNC_EDHT;
    }
    return DNASYNC_OK;
}

// The listen of token (empty when there is none), taken out of the node's table if remove.
static std::shared_ptr<ListenEntry> listen_of(dnad_node_t *n, uint64_t token, bool remove)
{
    std::lock_guard<std::mutex> l(n->mtx);
    auto it = n->listens.find(token);
    if (it == n->listens.end())
        return nullptr;
    auto e = it->second;
    if (remove)
        n->listens.erase(it);
    return e;
}

int dnad_listen(dnad_node_t *n, const uint8_t key[DNASYNC_DHT_KEY_BYTES], dnad_value_cb cb,
                void *user, int timeout_ms, uint64_t *token)
{
    if (!n || !key || !cb || !token)
        return DNASYNC_EINVAL;
    auto e = std::make_shared<ListenEntry>();
    e->cb = cb;
    e->user = user;
    e->key = dht::InfoHash(key, DNASYNC_DHT_KEY_BYTES);
    uint64_t tok;
    {
        std::lock_guard<std::mutex> l(n->mtx);
        tok = n->next_listen++;
        n->listens[tok] = e;
    }
    auto w = std::make_shared<Waiter>();
    bool posted = n->post([e, w](dht::Dht &d) {
        std::lock_guard<std::recursive_mutex> el(e->m);
        if (e->active) {
            // OpenDHT 2.4.12 expires a search whose nodes all stopped answering and keeps it
            // so (searchStep returns at once), and listen() reuses an expired search as it is:
            // only Dht::search, reached through get, revives one. A get of an id no value has
            // (0 is OpenDHT's invalid id) revives it at the cost of one small request per node.
            d.get(
                e->key, [](const std::vector<std::shared_ptr<dht::Value>> &) { return true; },
                dht::DoneCallback{}, {}, dht::Where().id(0));
            e->token = d.listen(e->key, [e](const std::vector<std::shared_ptr<dht::Value>> &vs,
                                            bool expired) {
                std::lock_guard<std::recursive_mutex> l(e->m);
                if (!e->active)
                    return false;
                for (auto &v : vs) {
                    if (!e->active)
                        break;
                    e->cb(e->user, v->data.data(), v->data.size(), v->type, v->id, expired ? 1 : 0);
                }
                return e->active;
            });
        }
        w->finish(true);
    });
    if (!posted || !w->wait(timeout_ms)) {
        dnad_listen_cancel(n, tok);
        return posted ? DNASYNC_ETIMEOUT : DNASYNC_EDHT;
    }
    *token = tok;
    return DNASYNC_OK;
}

int dnad_listen_cancel(dnad_node_t *n, uint64_t token)
{
    if (!n)
        return DNASYNC_EINVAL;
    auto e = listen_of(n, token, true);
    if (!e)
        return DNASYNC_ENOTFOUND;
    {
        std::lock_guard<std::recursive_mutex> el(e->m); // waits for a running callback
        e->active = false;
    }
    n->post([e](dht::Dht &d) {
        if (e->token)
            d.cancelListen(e->key, e->token);
    });
    return DNASYNC_OK;
}

} // extern "C"

namespace
{
// Computes a T on the DHT thread and waits (bounded) for it: 0, DNASYNC_EDHT when the node is
// stopped, DNASYNC_ETIMEOUT.
template <typename T>
int on_dht_thread(dnad_node_t *n, int timeout_ms, T *out, std::function<T(dht::Dht &)> make)
{
    struct S : Waiter {
        T v{};
    };
    auto st = std::make_shared<S>();
    bool posted = n->post([st, make](dht::Dht &d) {
        T v = make(d);
        {
            std::lock_guard<std::mutex> l(st->m);
            st->v = std::move(v);
        }
        st->finish(true);
    });
    if (!posted)
        return DNASYNC_EDHT;
    if (!st->wait(timeout_ms))
        return DNASYNC_ETIMEOUT;
    std::lock_guard<std::mutex> l(st->m);
    *out = std::move(st->v);
    return DNASYNC_OK;
}
} // namespace

extern "C" {

int dnad_listen_alive(dnad_node_t *n, uint64_t token, int timeout_ms)
{
    if (!n)
        return DNASYNC_EINVAL;
    auto e = listen_of(n, token, false);
    if (!e)
        return DNASYNC_ENOTFOUND;
    // Dht has no accessor for a search's state but its dump, which marks a search that is
    // synced and whose closest nodes all hold a current listen "[listening]" (dht.cpp,
    // dumpSearch); an expired one has no nodes and never says so.
    bool alive = false;
    int rc = on_dht_thread<bool>(n, timeout_ms, &alive, [e](dht::Dht &d) {
        for (auto af : {AF_INET, AF_INET6})
            if (d.getSearchLog(e->key, af).find("[listening]") != std::string::npos)
                return true;
        return false;
    });
    return rc != DNASYNC_OK ? rc : alive ? 1 : 0;
}

int dnad_get_stats(dnad_node_t *n, int timeout_ms, dnad_stats_t *out)
{
    if (!n || !out)
        return DNASYNC_EINVAL;
    int rc = on_dht_thread<dnad_stats_t>(n, timeout_ms, out, [n](dht::Dht &d) {
        dnad_stats_t s{};
        auto sent = d.getNodeMessageStats(false); // ping, find, get, listen, put
        for (size_t i = 0; i < 5 && i < sent.size(); i++)
            s.sent[i] = n->sent[i] += sent[i];
        auto sz = d.getStoreSize();
        s.store_bytes = sz.first;
        s.values = sz.second;
        for (auto af : {AF_INET, AF_INET6}) {
            auto ns = d.getNodesStats(af);
            s.nodes_good += ns.good_nodes;
            s.nodes_dubious += ns.dubious_nodes;
            s.searches += ns.searches;
        }
        std::snprintf(s.node_id, sizeof s.node_id, "%s", d.getNodeId().toString().c_str());
        return s;
    });
    if (rc != DNASYNC_OK)
        return rc;
    out->port = n->port;
    out->refused = g_refused.load();
    return DNASYNC_OK;
}

int dnad_nodes(dnad_node_t *n, int timeout_ms, char *buf, size_t len, uint32_t *count)
{
    if (!n || !buf || !len || !count)
        return DNASYNC_EINVAL;
    std::vector<std::string> nodes;
    int rc = on_dht_thread<std::vector<std::string>>(n, timeout_ms, &nodes, [](dht::Dht &d) {
        std::vector<std::string> v;
        for (auto &e : d.exportNodes())
            v.push_back(dht::SockAddr(e.ss, e.sslen).toString());
        return v;
    });
    if (rc != DNASYNC_OK)
        return rc;
    std::string text;
    for (auto &a : nodes)
        text += (text.empty() ? "" : " ") + a;
    std::snprintf(buf, len, "%s", text.c_str());
    *count = (uint32_t)nodes.size();
    return DNASYNC_OK;
}

int dnad_retry_nodes(dnad_node_t *n)
{
    if (!n)
        return DNASYNC_EINVAL;
    return n->post([](dht::Dht &d) { d.connectivityChanged(); }) ? DNASYNC_OK : DNASYNC_EDHT;
}

int dnad_local(dnad_node_t *n, const uint8_t *key, size_t max, int timeout_ms, dnad_local_t **out,
               size_t *count, int *truncated)
{
    if (!n || !out || !count || !truncated)
        return DNASYNC_EINVAL;
    using Got = std::pair<std::vector<dnad_local_t>, bool>; // the values, whether more were held
    std::vector<dht::InfoHash> keys;
    if (key)
        keys.emplace_back(key, DNASYNC_DHT_KEY_BYTES);
    Got got;
    int rc = on_dht_thread<Got>(n, timeout_ms, &got, [keys, max](dht::Dht &d) {
        std::vector<dht::InfoHash> ks = keys;
        if (ks.empty()) // every key: the export names them (its packed values are not used)
            for (auto &e : d.exportValues())
                ks.push_back(e.first);
        Got g{{}, false};
        for (auto &k : ks)
            for (auto &v : d.getLocal(k)) {
                if (g.first.size() == max) {
                    g.second = true;
                    break;
                }
                dnad_local_t e{};
                std::memcpy(e.key, k.data(), sizeof e.key);
                e.id = v->id;
                e.type = v->type;
                e.len = v->data.size();
                if (dht_kind_of_type(v->type) == DHT_KIND_SUMMARY) {
                    dht_value_t dv;
                    std::memset(&dv, 0, sizeof dv);
                    if (dht_value_decode(v->data.data(), v->data.size(), &dv) == 0)
                        e.version = dv.counter;
                    dht_value_clear(&dv);
                }
                g.first.push_back(e);
            }
        return g;
    });
    if (rc != DNASYNC_OK)
        return rc;
    *out = static_cast<dnad_local_t *>(
        std::malloc((got.first.size() ? got.first.size() : 1) * sizeof(dnad_local_t)));
    if (!*out)
        return DNASYNC_ENOMEM;
    if (!got.first.empty())
        std::memcpy(*out, got.first.data(), got.first.size() * sizeof(dnad_local_t));
    *count = got.first.size();
    *truncated = got.second;
    return DNASYNC_OK;
}

uint16_t dnad_bound_port(const dnad_node_t *n)
{
    return n ? n->port : 0;
}

} // extern "C"
