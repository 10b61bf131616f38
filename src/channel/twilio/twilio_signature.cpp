// X-Twilio-Signature, computed apart from the driver: the callback route checks it with the
// same function, and it can be tested and fuzzed without a channel.
#include <algorithm>

#include "burgernet/net/encoding.hpp"
#include "channel/twilio/twilio_channel.hpp"

namespace burgernet::channel {

std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             std::vector<std::pair<std::string, std::string>> params) {
  std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string data = url;
  for (const auto& [name, value] : params) data += name + value;
  return net::to_base64(net::hmac_sha1(auth_token, data));
}

}  // namespace burgernet::channel
