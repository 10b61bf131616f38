// The base string is the whole art of OAuth 1.0a: the parameters are encoded, then sorted, then
// joined, then encoded again as one part; the URL loses its query, default port and case.
#include "channel/x/oauth1_signer.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "burgernet/net/encoding.hpp"

namespace burgernet::channel {
namespace {

std::string random_nonce() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("x: no random bytes for a nonce");
  return net::to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// RFC 5849 3.4.1.2: scheme and host in lower case, the port only when not the scheme's default,
// no query or fragment.
std::string base_url(const std::string& url, std::string* query) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("oauth1: not an absolute URL");
  const std::string scheme = lower(url.substr(0, scheme_end));
  const auto authority_start = scheme_end + 3;
  auto path_start = url.find_first_of("/?#", authority_start);
  if (path_start == std::string::npos) path_start = url.size();
  std::string authority = lower(url.substr(authority_start, path_start - authority_start));
  std::string rest = url.substr(path_start);
  if (const auto hash = rest.find('#'); hash != std::string::npos) rest.erase(hash);
  std::string path = rest;
  if (const auto q = rest.find('?'); q != std::string::npos) {
    path = rest.substr(0, q);
    *query = rest.substr(q + 1);
  }
  if (path.empty()) path = "/";
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) authority.erase(colon);
  }
  return scheme + "://" + authority + path;
}

}  // namespace

OAuth1Signer::OAuth1Signer(OAuth1Credentials credentials, Nonce nonce, Timestamp timestamp, bool with_version)
    : credentials_(std::move(credentials)),
      nonce_(nonce ? std::move(nonce) : Nonce(random_nonce)),
      timestamp_(timestamp ? std::move(timestamp) : Timestamp(now_seconds)),
      with_version_(with_version) {}

std::string OAuth1Signer::base_string(
    const OAuth1Request& request, const std::vector<std::pair<std::string, std::string>>& oauth_parameters) {
  std::string query;
  const std::string url = base_url(request.url, &query);
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : net::form_decode(query)) {
    encoded.emplace_back(net::percent_encode(name), net::percent_encode(value));
  }
  for (const auto* list : {&request.form, &oauth_parameters}) {
    for (const auto& [name, value] : *list) {
      if (name == "oauth_signature") continue;
      encoded.emplace_back(net::percent_encode(name), net::percent_encode(value));
    }
  }
  // Sorted by encoded name, then by encoded value (3.4.1.3.2).
  std::sort(encoded.begin(), encoded.end());
  std::string normalised;
  for (const auto& [name, value] : encoded) {
    if (!normalised.empty()) normalised += '&';
    normalised += name + "=" + value;
  }
  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return method + "&" + net::percent_encode(url) + "&" + net::percent_encode(normalised);
}

std::string OAuth1Signer::signature(const std::string& base) const {
  const std::string key = net::percent_encode(credentials_.consumer_secret) + "&" +
                          net::percent_encode(credentials_.token_secret);
  return net::to_base64(net::hmac_sha1(key, base));
}

std::vector<std::pair<std::string, std::string>> OAuth1Signer::parameters(const OAuth1Request& request,
                                                                          const std::string& nonce,
                                                                          std::int64_t timestamp) const {
  std::vector<std::pair<std::string, std::string>> out = {{"oauth_consumer_key", credentials_.consumer_key},
                                                          {"oauth_nonce", nonce},
                                                          {"oauth_signature_method", "HMAC-SHA1"},
                                                          {"oauth_timestamp", std::to_string(timestamp)}};
  if (!credentials_.token.empty()) out.emplace_back("oauth_token", credentials_.token);
  if (with_version_) out.emplace_back("oauth_version", "1.0");
  out.emplace_back("oauth_signature", signature(base_string(request, out)));
  return out;
}

std::string OAuth1Signer::authorization(const OAuth1Request& request) const {
  std::string header = "OAuth ";
  bool first = true;
  for (const auto& [name, value] : parameters(request, nonce_(), timestamp_())) {
    if (!first) header += ", ";
    first = false;
    header += net::percent_encode(name) + "=\"" + net::percent_encode(value) + "\"";
  }
  return header;
}

}  // namespace burgernet::channel
