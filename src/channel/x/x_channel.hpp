// The `x` driver: one post per action, update and closing on the region's X account, through
// X API v2 `POST /2/tweets` with a JSON body, signed with OAuth 1.0a (user context).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "burgernet/channel/driver.hpp"
#include "burgernet/channel/http_channel.hpp"
#include "burgernet/config/config.hpp"
#include "channel/x/oauth1_signer.hpp"

namespace burgernet::channel {

class XChannel : public HttpChannel {
 public:
  // Reads consumer_secret_file and access_token_secret_file (the channel's, and each account's:
  // channel/social_accounts.hpp); throws std::runtime_error naming the key (never a secret) when
  // a setting is missing. `signer` replaces the channel's own in tests.
  explicit XChannel(const config::ChannelConfig& config, std::unique_ptr<OAuth1Signer> signer = nullptr);

  // The post's text: personal data stripped again (the renderer already did; a post is public
  // for good), cut to X's 280 with an ellipsis at a word boundary.
  static std::string post_text(const std::string& text);

 protected:
  boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) override;
  // 201 is Sent with data.id.
  SendResult accepted(const OutboundMessage& message, const net::HttpResponse& response) override;
  // What X's refusals mean beyond the shared classifier: a 429 waits until x-rate-limit-reset
  // (epoch seconds) unless Retry-After said otherwise; a 403 for a duplicate post is Sent: the
  // same text is on the account already (an earlier attempt whose answer was lost).
  SendResult rejected(const OutboundMessage& message, const net::HttpResponse& response,
                      SendResult classified) override;

 private:
  std::string url_;
  std::unique_ptr<OAuth1Signer> signer_;  // the channel's own keys; null with accounts only
  // By account name, a broadcast delivery's target (`to`); each account its own access token.
  std::map<std::string, std::unique_ptr<OAuth1Signer>> account_signers_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& x_driver();

}  // namespace burgernet::channel
