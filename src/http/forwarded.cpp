// X-Forwarded-For, believed only as far as our own proxies wrote it.
#include "burgernet/http/forwarded.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>

namespace burgernet::http {
namespace {

namespace ip = boost::asio::ip;

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

bool trusted_address(const ip::address& address, const std::vector<std::string>& trusted) {
  for (const auto& entry : trusted) {
    if (matches(address, entry).value_or(false)) return true;
  }
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

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

std::string client_address(const std::string& peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted) {
  if (trusted.empty()) return peer;
  const auto peer_address = parse_address(peer);
  if (!peer_address || !trusted_address(*peer_address, trusted)) return peer;
  std::string client = peer_address->to_string();
  // Right to left: each trusted hop vouches for the entry to its left.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto entry =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    const auto address = parse_address(entry);
    if (!address) return client;  // garbage from the client's side: the last hop we believe
    client = address->to_string();
    if (!trusted_address(*address, trusted)) return client;
  }
  return client;
}

}  // namespace burgernet::http
