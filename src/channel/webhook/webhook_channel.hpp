// The `webhook` driver: a JSON POST per message, signed with HMAC-SHA256 of the exact body.
#pragma once

#include <string>

#include "burgernet/channel/driver.hpp"
#include "burgernet/channel/http_channel.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

class WebhookChannel : public HttpChannel {
 public:
  // Reads `secret_file`; throws std::runtime_error naming the key when it cannot.
  explicit WebhookChannel(const config::ChannelConfig& config);

  // The body and its "sha256=HEX" signature; public for tests.
  static std::string body(const OutboundMessage& message);
  static std::string signature(const std::string& secret, const std::string& body);

 protected:
  boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) override;

 private:
  std::string url_;
  std::string secret_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& webhook_driver();

}  // namespace burgernet::channel
