// IP addresses and CIDR networks in a list of trusted proxies.
#include "burgernet/net/proxy_list.hpp"

#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

namespace burgernet::net {
namespace {

namespace ip = boost::asio::ip;

// nullopt: not an address or a network; otherwise whether `address` is in it.
std::optional<bool> matches(const ip::address& address, const std::string& entry) {
  boost::system::error_code ec;
  const auto slash = entry.find('/');
  if (slash == std::string::npos) {
    const auto single = parse_address(entry);
    if (!single) return std::nullopt;
    return *single == address;
  }
  if (entry.find(':') == std::string::npos) {
    const auto network = ip::make_network_v4(entry, ec);
    if (ec) return std::nullopt;
    return address.is_v4() &&
           ip::network_v4(address.to_v4(), network.prefix_length()).canonical() == network.canonical();
  }
  const auto network = ip::make_network_v6(entry, ec);
  if (ec) return std::nullopt;
  return address.is_v6() &&
         ip::network_v6(address.to_v6(), network.prefix_length()).canonical() == network.canonical();
}

}  // namespace

// "::ffff:10.0.0.1" is 10.0.0.1: a dual-stack listener reports IPv4 peers that way.
std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::address(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
  }
  return address;
}

bool trusted_address(const ip::address& address, const std::vector<std::string>& trusted) {
  for (const auto& entry : trusted) {
    if (matches(address, entry).value_or(false)) return true;
  }
  return false;
}

bool valid_proxy_list(const std::vector<std::string>& trusted, std::string* bad) {
  const auto probe = ip::make_address("127.0.0.1");
  for (const auto& entry : trusted) {
    if (!matches(probe, entry)) {
      if (bad) *bad = entry;
      return false;
    }
  }
  return true;
}

}  // namespace burgernet::net
