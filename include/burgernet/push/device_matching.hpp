// The device-matching push mode (issue 16): the app, not the server, decides whether an action's
// area covers the phone. The server sends each message once per FCM topic of a fixed 10 km grid
// (or of a municipality) the area touches, and tells the app which topics to subscribe to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "burgernet/action/action_settings.hpp"
#include "burgernet/channel/capabilities.hpp"

namespace burgernet::db {
class Connection;
}

namespace burgernet::push {

// A push channel whose driver was told `"matching": "device"`: a broadcast of push form, one
// delivery per covered topic (channel/fcm, channel/file declare it).
inline bool matches_on_device(const channel::Capabilities& capabilities) {
  return capabilities.broadcast() && capabilities.form == channel::TextForm::kPush;
}

// The topics a phone at a point subscribes to; nothing of the point is stored or logged.
struct CellTopics {
  std::vector<std::string> cells;  // its 10 km cell and the eight around it
  std::string own_cell;
  std::string municipality;  // "" outside every imported municipality
};
CellTopics cell_topics(db::Connection& c, double lat, double lon);

// The broadcast-target hook of a device-matching channel (ActionSettings::broadcast_targets):
// the topics the message being written goes to, and the area it carries to the app, stored
// with the message (migration 0024) for the claim.
action::BroadcastTargets topic_targets();

// The devices an action's message probably reaches on a device-matching channel: an estimate
// from the population grid, since the server knows no device's place.
std::int64_t estimated_devices(db::Connection& c, const std::string& action_id);

}  // namespace burgernet::push
