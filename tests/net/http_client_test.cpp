// The shared HTTPS client against fake providers on loopback: a TLS handshake that fails holds
// the message without spending an attempt, logs one error per episode and one info line when
// it works again, and counts what it held; kept-alive connections the server closed meanwhile
// cost no message.
#include "burgernet/net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "burgernet/net/held_messages.hpp"
#include "support/channel_harness.hpp"
#include "support/fake_provider.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

// A plain coroutine with pointer parameters: no lambda captures across co_await (README).
boost::asio::awaitable<void> exchange_into(net::HttpClient* client, net::HttpRequest request,
                                           net::Exchange* out) {
  *out = co_await client->exchange(std::move(request));
}

net::Exchange exchange(net::HttpClient& client, boost::asio::io_context& io, const std::string& url) {
  net::Exchange out{std::nullopt, channel::Retry{std::nullopt, "not run"}};
  net::HttpRequest request;
  request.url = url;
  request.body = "{}";
  boost::asio::co_spawn(io, exchange_into(&client, std::move(request), &out), boost::asio::detached);
  io.restart();
  io.run();
  return out;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HttpClientTls, AnUntrustedCertificateHoldsOncePerEpisodeAndAWorkingHandshakeEndsIt) {
  CapturedLog log("http_client");
  boost::asio::io_context io;
  FakeProvider provider;
  FakeProvider stranger;  // signed by a CA the client does not trust
  net::HttpClientOptions options;
  options.driver = "webhook";
  options.ca_file = provider.ca_file();
  options.timeout = 2000ms;
  options.circuit = {0, 30000ms};  // never opens: every message meets the handshake
  net::HttpClient client(options);

  for (int i = 0; i < 3; ++i) {
    const auto held = exchange(client, io, stranger.url("/hook"));
    EXPECT_FALSE(held.response.has_value());
    ASSERT_TRUE(std::holds_alternative<channel::Retry>(held.result));
    const auto& retry = std::get<channel::Retry>(held.result);
    EXPECT_EQ(retry.reason, "webhook: TLS error");
    EXPECT_FALSE(retry.counts_attempt);
    EXPECT_EQ(retry.after, net::kHoldFor);
  }
  EXPECT_EQ(stranger.request_count(), 0u);
  EXPECT_EQ(client.held().counts().at("tls"), 3u);
  EXPECT_EQ(occurrences(log.text(), "[error] webhook: the TLS handshake with the provider failed"), 1u)
      << log.text();
  EXPECT_NE(log.text().find("(certificate not accepted: "), std::string::npos) << log.text();
  EXPECT_EQ(log.text().find("127.0.0.1"), std::string::npos) << log.text();  // no URL

  // The operator's fix (here: the right provider): the episode ends with one info line.
  const auto sent = exchange(client, io, provider.url("/hook"));
  EXPECT_TRUE(std::holds_alternative<channel::Sent>(sent.result));
  EXPECT_NE(log.text().find("[info] webhook: the TLS handshake with the provider succeeds again"),
            std::string::npos)
      << log.text();
  EXPECT_FALSE(client.held().holding("tls"));
  // A new failure is a new episode, logged again.
  exchange(client, io, stranger.url("/hook"));
  EXPECT_EQ(occurrences(log.text(), "the TLS handshake with the provider failed"), 2u) << log.text();
}

// Found by the failover test: rows that came back after a long lease met kept-alive
// connections the provider had closed while idle, and each attempt took another dead one until
// the message failed for good.
TEST(HttpClientKeepAlive, ConnectionsTheServerClosedWhileIdleCostNoMessage) {
  boost::asio::io_context io;
  FakeProvider provider;
  provider.latency(100ms, 100ms);  // the four requests overlap: four connections
  provider.idle_timeout(100ms);
  net::HttpClientOptions options;
  options.driver = "webhook";
  options.ca_file = provider.ca_file();
  options.concurrency = 4;
  net::HttpClient client(options);

  std::vector<net::Exchange> first(4, net::Exchange{std::nullopt, channel::Retry{std::nullopt, "not run"}});
  for (auto& out : first) {
    net::HttpRequest request;
    request.url = provider.url("/hook");
    request.body = "{}";
    boost::asio::co_spawn(io, exchange_into(&client, std::move(request), &out), boost::asio::detached);
  }
  io.run();
  for (const auto& out : first) ASSERT_TRUE(std::holds_alternative<channel::Sent>(out.result));
  ASSERT_EQ(client.connections_opened(), 4u);

  std::this_thread::sleep_for(400ms);  // the server closes all four
  for (int i = 0; i < 3; ++i) {
    const auto later = exchange(client, io, provider.url("/hook"));
    EXPECT_TRUE(std::holds_alternative<channel::Sent>(later.result)) << i;
  }
  EXPECT_EQ(provider.request_count(), 7u) << "each message reached the provider once";
}

}  // namespace
