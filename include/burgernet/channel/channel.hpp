// The channel interface: a batch of rendered messages in, one result per message out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace burgernet::channel {

struct OutboundMessage {
  std::int64_t delivery_id = 0;
  std::optional<std::string> action_id;
  std::string channel;
  std::string kind;               // action | update | closing | verification
  std::optional<std::string> to;  // phone (E.164), push token, address; nullopt on broadcast channels
  std::string title;
  std::string text;  // already rendered for the channel
  nlohmann::json data = nlohmann::json::object();
};

struct Sent {
  std::optional<std::string> provider_ref;
};
struct Retry {
  std::optional<std::chrono::milliseconds> after;  // a provider's Retry-After wins over backoff
  std::string reason;
  // False when the message was never offered to the provider (a driver's circuit is open): the
  // queue gives the attempt back, so an outage does not burn through max_attempts.
  bool counts_attempt = true;
};
struct Failed {
  std::string reason;  // never personal data: it is stored in deliveries.last_error
  // The address itself is dead for good (a push token the app no longer holds): the queue
  // disables the delivery's device in the same statement, so no later action selects it.
  bool disable_recipient = false;
};
using SendResult = std::variant<Sent, Retry, Failed>;

// Alertmanager's notify.Notifier, batched. Implementations never throw: every problem is a
// Retry or a Failed for the messages it concerns, and the result has one entry per message.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual boost::asio::awaitable<std::vector<SendResult>> send(std::vector<OutboundMessage> batch) = 0;
};

}  // namespace burgernet::channel
