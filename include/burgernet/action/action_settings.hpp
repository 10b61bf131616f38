// The few settings the action code uses, taken from the config once per request: the parser
// and the store get these, never the whole Config.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::db {
class Connection;
}

namespace burgernet::action {

// Where a broadcast channel posts one message of an action: a social channel's accounts for the
// regions the area touches, a device-matching push channel's topics for the cells it covers.
// Asked in the transaction that writes the message, after the action and its area are stored.
// An empty answer is the channel's one default target (nullopt), as for a channel without it.
using BroadcastTargets =
    std::function<std::vector<std::optional<std::string>>(db::Connection&, const std::string& action_id)>;

// What parse_action_request checks a request against.
struct ActionRules {
  std::vector<std::string> channels;  // configured, in the config's order; an action's default
  config::ServiceArea service_area;
  double max_radius_m = 20000;
  int max_vertices = 1000;
  std::chrono::seconds urgent_expiry{6 * 3600};
  std::chrono::seconds alert_expiry{48 * 3600};
};

// One configured channel as the store uses it.
struct ChannelUse {
  channel::Capabilities capabilities;
  int max_attempts = 5;
};

// What the store needs to raise, fan out, update and close actions.
struct ActionSettings {
  std::map<std::string, ChannelUse> channels;
  std::int64_t confirm_above = 25000;
  std::int64_t fanout_chunk = 20000;
  std::int64_t first_chunk = 500;
  std::chrono::seconds location_ttl{7200};
  std::chrono::seconds urgent_expiry{6 * 3600};
  std::chrono::seconds alert_expiry{48 * 3600};
  // alerts.night_from/to ("HH:MM", Europe/Amsterdam): no alert message goes out in between.
  std::string night_from = "22:00";
  std::string night_to = "07:00";
  // Per broadcast channel that posts to more than one target (migration 0023); by channel name.
  std::map<std::string, BroadcastTargets> broadcast_targets;
};

ActionRules action_rules(const config::Config& config);
ActionSettings action_settings(const config::Config& config);

}  // namespace burgernet::action
