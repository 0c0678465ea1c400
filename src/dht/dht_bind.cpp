// Binding the node's UDP socket on both address families (dht_bind.h).
#include "dht/dht_bind.h"

#include <cerrno>
#include <cstring>
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
    return s;
}
