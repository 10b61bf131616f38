// X-Forwarded-For, believed only as far as our own proxies wrote it.
#include "burgernet/http/forwarded.hpp"

#include "burgernet/net/proxy_list.hpp"

namespace burgernet::http {
namespace {

using net::parse_address;
using net::trusted_address;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

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
