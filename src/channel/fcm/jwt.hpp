// RS256 JSON Web Tokens (RFC 7515/7519) over OpenSSL: what a Google service account signs to
// ask for an OAuth 2.0 access token (RFC 7523, the JWT bearer grant).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace burgernet::channel {

// base64url without padding (RFC 7515, section 2).
std::string to_base64url(std::string_view bytes);

class JwtSigner {
 public:
  // `private_key_pem`: an RSA private key, PKCS#8 ("BEGIN PRIVATE KEY", as in Google's JSON) or
  // PKCS#1. Throws std::runtime_error that never quotes the key.
  explicit JwtSigner(const std::string& private_key_pem);
  ~JwtSigner();
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  // base64url(header) "." base64url(claims) "." base64url(RSASSA-PKCS1-v1_5 SHA-256 signature),
  // header {"alg":"RS256","typ":"JWT"}.
  std::string sign(const nlohmann::json& claims) const;

 private:
  EVP_PKEY* key_;
};

// The claims of Google's service-account grant: iss = the account's e-mail, scope, aud = its
// token_uri, issued now, valid for an hour (the longest Google accepts).
nlohmann::json service_account_claims(const std::string& client_email, const std::string& scope,
                                      const std::string& token_uri,
                                      std::chrono::system_clock::time_point now);

}  // namespace burgernet::channel
