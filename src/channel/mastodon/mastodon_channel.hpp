// The `mastodon` driver: one status per action, update and closing on the region's Mastodon
// account(s), through `POST /api/v1/statuses` with a bearer token and an Idempotency-Key.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "burgernet/channel/driver.hpp"
#include "burgernet/channel/http_channel.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

class MastodonChannel : public HttpChannel {
 public:
  // Reads token_file (the channel's, and each account's); throws std::runtime_error naming the
  // key (never a secret) when a setting is missing or wrong.
  explicit MastodonChannel(const config::ChannelConfig& config);

  // The status text: personal data stripped again (a post is public for good), cut to
  // Mastodon's 500 as Mastodon counts (code points, a link 23) with an ellipsis at a word.
  static std::string status_text(const std::string& text);

 protected:
  boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) override;
  // 200 is Sent with the status's id.
  SendResult accepted(const OutboundMessage& message, const net::HttpResponse& response) override;
  // A 429 without Retry-After waits until Mastodon's X-RateLimit-Reset (an ISO 8601 time).
  SendResult rejected(const OutboundMessage& message, const net::HttpResponse& response,
                      SendResult classified) override;

 private:
  // Where one account posts and with which token.
  struct Account {
    std::string url;  // https://server/api/v1/statuses
    std::string token;
  };
  std::optional<Account> default_account_;   // the channel's own keys; none with accounts only
  std::map<std::string, Account> accounts_;  // by name: a broadcast delivery's target (`to`)
  std::string visibility_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& mastodon_driver();

}  // namespace burgernet::channel
