// The client's address behind trusted reverse proxies (X-Forwarded-For), for the per-IP limits
// and the audit log's "remote".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace burgernet::http {

// `peer` (the TCP peer) unless it is one of `trusted` (addresses or CIDR networks): then the
// right-most address of X-Forwarded-For that is not a trusted proxy, since only the entries our
// own proxies appended can be believed (a client writes anything it likes to the left). A
// header that is missing or unparsable where it matters leaves `peer`.
std::string client_address(const std::string& peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted);

}  // namespace burgernet::http
