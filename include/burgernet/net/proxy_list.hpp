// Trusted proxies: IP addresses and CIDR networks ("10.0.0.0/8", "fd00::/8"), read by the
// config and by http/forwarded.hpp.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace burgernet::net {

// Whether every entry is an IP address or a CIDR network; the first bad one is returned in `bad`.
bool valid_proxy_list(const std::vector<std::string>& trusted, std::string* bad = nullptr);

// An address; "::ffff:10.0.0.1" is 10.0.0.1 (a dual-stack listener reports IPv4 peers that way).
std::optional<boost::asio::ip::address> parse_address(std::string_view text);

// Whether `address` is one of `trusted` or inside one of its networks.
bool trusted_address(const boost::asio::ip::address& address, const std::vector<std::string>& trusted);

}  // namespace burgernet::net
