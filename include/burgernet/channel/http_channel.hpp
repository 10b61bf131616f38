// The base of every HTTP channel driver: a driver says how to build one message's request and
// how to read the provider's reference from a 2xx answer; sending, limits and classification
// are the shared HttpClient's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "burgernet/channel/channel.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/net/http_client.hpp"

namespace burgernet::channel {

class HttpChannel : public Channel {
 public:
  explicit HttpChannel(net::HttpClientOptions options);
  boost::asio::awaitable<std::vector<SendResult>> send(std::vector<OutboundMessage> batch) override;

  // Messages this channel held back without spending their attempts, per reason (TLS, a refused
  // credential, a misconfigured URL), for burgernet_channel_held_total{channel, reason}.
  std::map<std::string, std::uint64_t> held_counts() const override { return client_->held().counts(); }
  std::optional<net::CircuitBreaker::Reading> circuit() const override { return client_->circuit(); }

 protected:
  // The request for one message, or a result without asking the provider (a Failed for a
  // message this driver cannot send). May await (an OAuth token through client()).
  using Prepared = std::variant<net::HttpRequest, SendResult>;
  virtual boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) = 0;
  // What a 2xx answer means: Sent with the provider's reference read from the body.
  virtual SendResult accepted(const OutboundMessage& message, const net::HttpResponse& response);
  // What any other answer means; `classified` is the shared classifier's verdict, which a driver
  // refines from the body (FCM's UNREGISTERED) or keeps.
  virtual SendResult rejected(const OutboundMessage& message, const net::HttpResponse& response,
                              SendResult classified);

  net::HttpClient& client() { return *client_; }

 private:
  std::unique_ptr<net::HttpClient> client_;
};

// A secret from a `*_file` key: the whole file without its trailing newline. Throws
// std::runtime_error naming the key (never the content) when it is missing or empty.
std::string read_secret_file(const std::string& key, const std::string& path);

// The client options every HTTP driver shares, from its channel config: timeout_ms,
// concurrency, rate_per_s and ca_file.
net::HttpClientOptions http_client_options(const config::ChannelConfig& config);

}  // namespace burgernet::channel
