// Internal (C++): the node's UDP socket, both address families or an error.
#ifndef DNASYNC_DHT_BIND_H
#define DNASYNC_DHT_BIND_H

#include <opendht/log_enable.h>
#include <opendht/network_utils.h>

#include <memory>
#include <string>

// OpenDHT 2.4's UdpSocket binds each family on its own and only logs a failure; a node left
// with one family cannot listen (Dht::listen needs both) nor reach peers of the other (issue
// 10 D7: a second process on a home's port ran IPv6-only). So every requested family must
// bind: nullptr otherwise, with why = "cannot bind the DHT node's IPv4 socket to ADDR: REASON".
std::unique_ptr<dht::net::UdpSocket> dnad_bind_udp(const dht::SockAddr &b4, const dht::SockAddr &b6,
                                                   const std::shared_ptr<dht::Logger> &logger,
                                                   std::string &why);

#endif
