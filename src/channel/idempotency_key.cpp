// The per-delivery key that lets a provider drop a repeat of the same message.
#include "burgernet/channel/channel.hpp"

namespace burgernet::channel {

std::string idempotency_key(const OutboundMessage& message) {
  // Verification texts have no action; their delivery id alone is unique within one database.
  return "burgernet-" + message.action_id.value_or("verification") + "-" + std::to_string(message.delivery_id);
}

}  // namespace burgernet::channel
