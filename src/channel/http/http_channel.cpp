// The shared half of every HTTP driver: one request per message through the driver's client.
#include "burgernet/channel/http_channel.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "burgernet/config/credentials.hpp"

namespace burgernet::channel {

HttpChannel::HttpChannel(net::HttpClientOptions options)
    : client_(std::make_unique<net::HttpClient>(std::move(options))) {}

SendResult HttpChannel::accepted(const OutboundMessage&, const net::HttpResponse&) { return Sent{}; }

SendResult HttpChannel::rejected(const OutboundMessage&, const net::HttpResponse&, SendResult classified) {
  return classified;
}

boost::asio::awaitable<std::vector<SendResult>> HttpChannel::send(std::vector<OutboundMessage> batch) {
  // A named function object, not a capturing lambda handed to a co_await'ed call by value.
  std::function<boost::asio::awaitable<SendResult>(const OutboundMessage&)> send_one =
      [this](const OutboundMessage& message) -> boost::asio::awaitable<SendResult> {
    // The lease may be lost while this message waits its turn: checked here (sparing an OAuth
    // token for a message that will not go) and by the client once it has a slot.
    if (!message.still_held()) co_return lease_lost_result();
    Prepared prepared = co_await prepare(message);
    if (auto* result = std::get_if<SendResult>(&prepared)) co_return *result;
    auto& request = std::get<net::HttpRequest>(prepared);
    request.abandon = message.lease_lost;
    auto exchange = co_await client_->exchange(std::move(request));
    if (std::holds_alternative<Sent>(exchange.result) && exchange.response) {
      co_return accepted(message, *exchange.response);
    }
    if (exchange.response) co_return rejected(message, *exchange.response, std::move(exchange.result));
    co_return exchange.result;
  };
  auto results = co_await client_->for_each(batch, send_one);
  co_return results;
}

std::string read_secret_file(const std::string& key, const std::string& configured) {
  if (configured.empty()) throw std::runtime_error(key + ": is required");
  const auto path = config::credential_path(configured);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(key + ": cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) throw std::runtime_error(key + ": " + path + " is empty");
  return secret;
}

net::HttpClientOptions http_client_options(const config::ChannelConfig& config) {
  net::HttpClientOptions options;
  options.driver = config.driver;
  options.ca_file = config.settings.value("ca_file", "");
  options.timeout = config.timeout;
  options.concurrency = config.concurrency;
  options.rate_per_s = config.rate_per_s;
  options.circuit = {config.circuit_failures, config.circuit_open};
  return options;
}

}  // namespace burgernet::channel
