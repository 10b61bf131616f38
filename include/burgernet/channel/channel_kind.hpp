// Which channels reach a person and which post once per message to a public account.
#pragma once

#include <string_view>

namespace burgernet::channel {

// Broadcast channels get one delivery per action, update and closing, with no personal data
// (SPEC.md, "Selection rules"). Every other channel is personal: one delivery per recipient.
inline bool is_broadcast_channel(std::string_view name) {
  return name == "twitter" || name == "mastodon" || name == "webhook";
}

// The personal channels a participant can choose for an address.
inline bool is_participant_channel(std::string_view name) {
  return name == "voice" || name == "sms" || name == "push" || name == "email";
}

}  // namespace burgernet::channel
