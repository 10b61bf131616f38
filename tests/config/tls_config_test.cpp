// http.tls and http.allow_plain_http: what is accepted, and plain HTTP off loopback refused.
#include <gtest/gtest.h>

#include "burgernet/config/config.hpp"

namespace burgernet::config {
namespace {

using nlohmann::json;

json with_http(json http) { return {{"http", std::move(http)}, {"database", {{"url", "postgresql:///x"}}}}; }

std::string error_of(const json& document) {
  try {
    parse_config(document);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TlsConfig, PlainHttpIsFineOnLoopbackOnly) {
  EXPECT_EQ(error_of(with_http({{"listen", "127.0.0.1:8080"}})), "");
  EXPECT_EQ(error_of(with_http({{"listen", "[::1]:8080"}})), "");
  EXPECT_EQ(error_of(with_http({{"listen", "localhost:8080"}})), "");
  for (const char* listen : {"0.0.0.0:8080", "[::]:8080", "10.1.2.3:8080"}) {
    const auto error = error_of(with_http({{"listen", listen}}));
    EXPECT_NE(error.find("http.listen: plain HTTP on"), std::string::npos) << listen << ": " << error;
    EXPECT_NE(error.find("allow_plain_http"), std::string::npos) << error;
  }
  EXPECT_EQ(error_of(with_http({{"listen", "0.0.0.0:8080"}, {"allow_plain_http", true}})), "");
}

TEST(TlsConfig, TlsOnAnyAddressWithItsKeys) {
  const auto config = parse_config(with_http({{"listen", "0.0.0.0:8443"},
                                              {"tls",
                                               {{"cert_file", "/c.pem"},
                                                {"key_file", "/k.pem"},
                                                {"client_ca_file", "/ca.pem"},
                                                {"require_client_cert", true}}}}));
  EXPECT_TRUE(config.http.tls.enabled());
  EXPECT_EQ(config.http.tls.cert_file, "/c.pem");
  EXPECT_EQ(config.http.tls.key_file, "/k.pem");
  EXPECT_EQ(config.http.tls.client_ca_file, "/ca.pem");
  EXPECT_TRUE(config.http.tls.require_client_cert);
  EXPECT_FALSE(parse_config(with_http({})).http.tls.enabled()) << "no TLS by default";
}

TEST(TlsConfig, IncompleteTlsIsRefusedNamingTheKey) {
  EXPECT_NE(error_of(with_http({{"tls", {{"key_file", "/k.pem"}}}})).find("http.tls.cert_file: is required"),
            std::string::npos);
  EXPECT_NE(error_of(with_http({{"tls", {{"cert_file", "/c.pem"}}}})).find("http.tls.key_file: is required"),
            std::string::npos);
  EXPECT_NE(
      error_of(with_http({{"tls", {{"cert_file", "/c"}, {"key_file", "/k"}, {"require_client_cert", true}}}}))
          .find("http.tls.client_ca_file: is required"),
      std::string::npos);
  EXPECT_NE(error_of(with_http({{"tls", {{"cert_file", "/c"}, {"key_file", "/k"}, {"ciphers", "ALL"}}}}))
                .find("http.tls.ciphers: unknown key"),
            std::string::npos);
}

TEST(RateLimitConfig, PerTokenLimitHasDefaultsAndBounds) {
  const auto defaults = parse_config(with_http({}));
  EXPECT_EQ(defaults.limits.api_per_token_per_s, 50);
  EXPECT_EQ(defaults.limits.api_per_token_burst, 200);
  auto document = with_http({});
  document["limits"] = {{"api_per_token_per_s", 0.5}, {"api_per_token_burst", 3}};
  const auto set = parse_config(document);
  EXPECT_EQ(set.limits.api_per_token_per_s, 0.5);
  EXPECT_EQ(set.limits.api_per_token_burst, 3);
  document["limits"] = {{"api_per_token_burst", 0}};
  EXPECT_NE(error_of(document).find("limits.api_per_token_burst"), std::string::npos);
}

}  // namespace
}  // namespace burgernet::config
