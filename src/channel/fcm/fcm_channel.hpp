// The `fcm` driver: Firebase Cloud Messaging's HTTP v1 API with an OAuth 2.0 access token that a
// Google service account obtains by signing a JWT (RS256). The token is fetched once, shared by
// every message until shortly before it expires, and dropped when FCM refuses it.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "burgernet/channel/http_channel.hpp"
#include "burgernet/config/config.hpp"
#include "channel/fcm/jwt.hpp"

namespace burgernet::channel {

class FcmChannel : public HttpChannel {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kScope = "https://www.googleapis.com/auth/firebase.messaging";
  // An access token is renewed this long before it expires, so none expires in flight.
  static constexpr std::chrono::seconds kRenewBefore{60};

  // Reads `service_account_file` (Google's JSON: client_email, private_key, token_uri and
  // project_id, which `project_id` may override); throws std::runtime_error naming the key,
  // never quoting the file. `clock` is for tests of the token's lifetime.
  explicit FcmChannel(const config::ChannelConfig& config,
                      std::function<Clock::time_point()> clock = Clock::now);
  ~FcmChannel() override;

  // The messages:send body of one message; public for tests.
  static nlohmann::json body(const OutboundMessage& message);

 protected:
  boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) override;
  SendResult accepted(const OutboundMessage& message, const net::HttpResponse& response) override;
  SendResult rejected(const OutboundMessage& message, const net::HttpResponse& response,
                      SendResult classified) override;

 private:
  struct AccessToken {
    std::string value;
    Clock::time_point renew_at;
  };
  // The cached token, or the one fetch in progress, or a new fetch; a failed fetch is the
  // result of every message that waited for it.
  boost::asio::awaitable<std::variant<std::string, SendResult>> access_token();
  boost::asio::awaitable<std::variant<AccessToken, SendResult>> fetch_token();

  std::function<Clock::time_point()> clock_;
  std::string url_;
  std::string client_email_;
  std::string token_uri_;
  std::unique_ptr<JwtSigner> signer_;

  std::optional<AccessToken> token_;
  bool fetching_ = false;
  std::uint64_t fetches_ = 0;               // completed fetches, to tell waiters theirs ended
  std::optional<SendResult> last_failure_;  // of the latest fetch, when it failed
  std::vector<boost::asio::steady_timer*> waiting_;
};

}  // namespace burgernet::channel
