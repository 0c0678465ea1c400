// Binding the node's UDP socket on both address families (dht_bind.h).
#include "dht/dht_bind.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace
{

// OpenDHT does not pass the errno on: bind the address once more to learn it.
std::string bind_reason(const dht::SockAddr &a)
{
    int s = socket(a.getFamily(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return std::strerror(errno);
    int one = 1;
    if (a.getFamily() == AF_INET6)
        (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    std::string r =
        bind(s, a.get(), a.getLength()) == 0 ? "failed (no reason given)" : std::strerror(errno);
    close(s);
    return r;
}

// A reply of many values (a get of 16 bundles of up to 64 KB, from each of 8 nodes) arrives as
// a burst of value parts; the default 208 KB receive buffer drops some, and one lost part loses
// the whole reply until a retry: reading 2,000 bundled messages took 12.5 s with 65 drops,
// 0.30 s with 0 drops and a 4 MiB buffer (measured 2026-12-02 with net.core.rmem_default).
constexpr int RCVBUF_BYTES = 4 << 20;

bool same_addr(const sockaddr_storage &a, const dht::SockAddr &b)
{
    return b && a.ss_family == b.getFamily() &&
           std::memcmp(&a, b.get(), static_cast<size_t>(b.getLength())) == 0;
}

// OpenDHT's UdpSocket does not hand out its descriptors: find them by their bound address.
void grow_rcvbuf(const dht::SockAddr &bound)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    while (const dirent *e = readdir(d)) {
        int fd = std::atoi(e->d_name);
        int type = 0;
        socklen_t tl = sizeof type;
        sockaddr_storage ss{};
        socklen_t sl = sizeof ss;
        if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM ||
            getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &sl) != 0 || !same_addr(ss, bound))
            continue;
        int want = RCVBUF_BYTES, got = 0;
        socklen_t gl = sizeof got;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
        if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && got < want)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want); // root only
    }
    closedir(d);
}

} // namespace

std::unique_ptr<dht::net::UdpSocket> dnad_bind_udp(const dht::SockAddr &b4, const dht::SockAddr &b6,
                                                   const std::shared_ptr<dht::Logger> &logger,
                                                   std::string &why)
{
    std::unique_ptr<dht::net::UdpSocket> s;
    try {
        s = std::make_unique<dht::net::UdpSocket>(b4, b6, logger);
    } catch (const std::exception &) {
        // neither family bound: named below
    }
    for (const dht::SockAddr *a : {&b4, &b6}) {
        if (!*a || (s && s->getBound(a->getFamily())))
            continue;
        why = std::string("cannot bind the DHT node's ") +
              (a->getFamily() == AF_INET ? "IPv4" : "IPv6") + " socket to " + a->toString() + ": " +
              bind_reason(*a);
        return nullptr;
    }
    for (int af : {AF_INET, AF_INET6})
        if (s->getBound(af))
            grow_rcvbuf(s->getBound(af));
    return s;
}
