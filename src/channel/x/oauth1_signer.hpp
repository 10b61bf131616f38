// OAuth 1.0a request signing with HMAC-SHA1 (RFC 5849 section 3), as X's API v1.1 and v2 want it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace burgernet::channel {

struct OAuth1Credentials {
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;
  std::string token_secret;
};

// One request as the signature sees it. Only the URL's query and a form body's fields are
// signed (RFC 5849 3.4.1.3); a JSON body is not, so pass no `form` for one.
struct OAuth1Request {
  std::string method;  // "POST"
  std::string url;     // scheme://host[:port]/path[?query]
  std::vector<std::pair<std::string, std::string>>
      form{};  // decoded application/x-www-form-urlencoded fields
};

class OAuth1Signer {
 public:
  using Nonce = std::function<std::string()>;
  using Timestamp = std::function<std::int64_t()>;  // seconds since the epoch

  // The default nonce is 32 random bytes as hex, the default timestamp the system clock.
  // `with_version` adds oauth_version="1.0" (optional in RFC 5849; X's examples send it).
  explicit OAuth1Signer(OAuth1Credentials credentials, Nonce nonce = {}, Timestamp timestamp = {},
                        bool with_version = true);

  // The value of the Authorization header: `OAuth oauth_consumer_key="...", ...`.
  std::string authorization(const OAuth1Request& request) const;

  // The oauth_* parameters for one request with this nonce and timestamp, oauth_signature last.
  std::vector<std::pair<std::string, std::string>> parameters(const OAuth1Request& request,
                                                              const std::string& nonce,
                                                              std::int64_t timestamp) const;

  // RFC 5849 3.4.1: METHOD&base-URL&normalised-parameters, each part percent-encoded.
  static std::string base_string(const OAuth1Request& request,
                                 const std::vector<std::pair<std::string, std::string>>& oauth_parameters);
  // base64(HMAC-SHA1(consumer_secret&token_secret, base string)).
  std::string signature(const std::string& base_string) const;

 private:
  OAuth1Credentials credentials_;
  Nonce nonce_;
  Timestamp timestamp_;
  bool with_version_;
};

}  // namespace burgernet::channel
