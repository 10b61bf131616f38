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

#include "burgernet/channel/driver.hpp"
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

  // The messages:send body of one message; public for tests. It carries the delivery's
  // idempotency key as data.burgernet_message_id, and collapse_id() as Android's collapse key
  // and notification tag and as APNs' apns-collapse-id, so that a repeat replaces the
  // notification instead of adding one.
  static nlohmann::json body(const OutboundMessage& message);
  // The idempotency key when it fits Apple's 64 bytes for apns-collapse-id, otherwise
  // "burgernet-" and the first 32 hex digits of its SHA-256: the same for every attempt.
  static std::string collapse_id(const OutboundMessage& message);
  // With `"matching": "device"` (issue 16): the same message to the topic in `to`, with no
  // notification of its own and the title, text and area in `data`, for the app to decide.
  static nlohmann::json topic_body(const OutboundMessage& message);
  // One message of an action, the same on every topic it goes to, so that the copies a phone
  // gets through several of its topics replace each other.
  static std::string topic_collapse_id(const OutboundMessage& message);

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

  struct ServiceAccount {
    std::string client_email;
    std::string token_uri;
    std::string project_id;
    std::unique_ptr<JwtSigner> signer;
  };
  // Reads and checks service_account_file; throws std::runtime_error naming `key`, never
  // quoting the file.
  static ServiceAccount load_service_account(const std::string& key, const std::string& path);
  // A message held because the token endpoint refused us or the service account is unusable:
  // counted and logged once per episode through held().
  SendResult hold_for_token(const SendResult& failure);

  std::function<Clock::time_point()> clock_;
  std::string url_;
  bool to_topics_ = false;    // "matching": "device": `to` is a topic, not a registration token
  std::string account_key_;   // "channels.NAME.service_account_file", for messages
  std::string account_path_;  // read again after a refusal, so an operator's fix needs no restart
  ServiceAccount account_;
  // Set while the token endpoint refuses the service account: until then no token is asked for,
  // and every message is held with refusal_.
  std::optional<Clock::time_point> refused_until_;
  std::optional<SendResult> refusal_;
  std::string refusal_label_;  // "token_refused" or "service_account"
  std::string refusal_why_;    // the log line of the episode

  std::optional<AccessToken> token_;
  bool fetching_ = false;
  std::uint64_t fetches_ = 0;               // completed fetches, to tell waiters theirs ended
  std::optional<SendResult> last_failure_;  // of the latest fetch, when it failed
  std::vector<boost::asio::steady_timer*> waiting_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& fcm_driver();

}  // namespace burgernet::channel
