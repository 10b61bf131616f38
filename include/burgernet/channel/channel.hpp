// The channel interface: a batch of rendered messages in, one result per message out.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "burgernet/net/circuit_breaker.hpp"

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
  // Set by the queue once this worker no longer holds the delivery's lease (its heartbeat could
  // not extend it, so another worker may be sending it now). A driver reads it just before it
  // offers the message to its provider and skips the message then (lease_lost_result()).
  // Null outside the queue: always held.
  std::shared_ptr<const std::atomic<bool>> lease_lost;

  bool still_held() const { return !lease_lost || !lease_lost->load(std::memory_order_relaxed); }
};

// The key a provider may use to drop a repeat: the same on every attempt of one delivery (a
// retry, a rescue after a crash, another daemon), different for every other delivery. The
// action's UUID keeps it unique across installations that share a provider account.
std::string idempotency_key(const OutboundMessage& message);

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

// What a driver answers for a message it skipped because its lease was lost: not offered, so
// no attempt is spent; the queue ignores it anyway (the row belongs to another worker now).
inline SendResult lease_lost_result() { return Retry{std::nullopt, "lease lost", false}; }

// Alertmanager's notify.Notifier, batched. Implementations never throw: every problem is a
// Retry or a Failed for the messages it concerns, and the result has one entry per message.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual boost::asio::awaitable<std::vector<SendResult>> send(std::vector<OutboundMessage> batch) = 0;
  // Messages held back since start per reason, without being offered (a certificate that does
  // not verify, a refused service account: net/held_messages.hpp), for
  // burgernet_channel_held_total. Thread-safe: read by the metrics scrape.
  virtual std::map<std::string, std::uint64_t> held_counts() const { return {}; }
  // The driver's circuit breaker, for burgernet_circuit_state and
  // burgernet_circuit_transitions_total; nullopt for a driver without one. Thread-safe.
  virtual std::optional<net::CircuitBreaker::Reading> circuit() const { return std::nullopt; }
};

}  // namespace burgernet::channel
