// X-Forwarded-For is believed only from trusted proxies, and only as far as they wrote it.
#include "burgernet/http/forwarded.hpp"

#include <gtest/gtest.h>

#include "burgernet/config/config.hpp"
#include "burgernet/net/proxy_list.hpp"

namespace burgernet::http {
namespace {

using net::valid_proxy_list;

const std::vector<std::string> kProxies = {"10.0.0.5", "192.168.1.0/24", "fd00::/8"};

TEST(ForwardedTest, WithoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays) {
  EXPECT_EQ(client_address("10.0.0.5", "203.0.113.7", {}), "10.0.0.5");
  EXPECT_EQ(client_address("198.51.100.1", "203.0.113.7", kProxies), "198.51.100.1")
      << "an untrusted peer cannot choose its address";
}

TEST(ForwardedTest, BehindATrustedProxyTheRightMostUntrustedEntryIsTheClient) {
  EXPECT_EQ(client_address("10.0.0.5", "203.0.113.7", kProxies), "203.0.113.7");
  // The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
  EXPECT_EQ(client_address("10.0.0.5", "1.2.3.4, 203.0.113.7", kProxies), "203.0.113.7");
  // Two of our proxies in a row (a CIDR match), then the client.
  EXPECT_EQ(client_address("10.0.0.5", "1.2.3.4,203.0.113.7, 192.168.1.20", kProxies), "203.0.113.7");
  EXPECT_EQ(client_address("::ffff:10.0.0.5", "2001:db8::1", kProxies), "2001:db8::1");
  EXPECT_EQ(client_address("fd00::1", "203.0.113.9", kProxies), "203.0.113.9");
}

TEST(ForwardedTest, AMissingOrGarbledHeaderLeavesTheLastAddressWeBelieve) {
  EXPECT_EQ(client_address("10.0.0.5", "", kProxies), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", "not-an-address", kProxies), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", "203.0.113.7, unknown", kProxies), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", "garbage, 192.168.1.20", kProxies), "192.168.1.20");
  EXPECT_EQ(client_address("10.0.0.5", "192.168.1.20, 10.0.0.5", kProxies), "192.168.1.20")
      << "only proxies: the left-most";
}

TEST(ForwardedTest, TheProxyListIsCheckedAtStart) {
  EXPECT_TRUE(valid_proxy_list(kProxies));
  std::string bad;
  EXPECT_FALSE(valid_proxy_list({"10.0.0.5", "10.0.0.0/33"}, &bad));
  EXPECT_EQ(bad, "10.0.0.0/33");
  EXPECT_FALSE(valid_proxy_list({"proxy.example.nl"}, &bad));
  EXPECT_EQ(bad, "proxy.example.nl");
}

TEST(ForwardedTest, ConfigKeyHttpTrustedProxies) {
  nlohmann::json doc = {
      {"http", {{"listen", "127.0.0.1:8080"}, {"trusted_proxies", {"10.0.0.5", "fd00::/8"}}}},
      {"database", {{"url", "postgresql:///x"}}}};
  EXPECT_EQ(config::parse_config(doc).http.trusted_proxies,
            (std::vector<std::string>{"10.0.0.5", "fd00::/8"}));
  doc["http"]["trusted_proxies"] = {"10.0.0.5", "my-proxy"};
  try {
    config::parse_config(doc);
    ADD_FAILURE() << "a host name was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("http.trusted_proxies"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("my-proxy"), std::string::npos) << e.what();
  }
  doc["http"].erase("trusted_proxies");
  EXPECT_TRUE(config::parse_config(doc).http.trusted_proxies.empty()) << "nobody is trusted by default";
}

}  // namespace
}  // namespace burgernet::http
