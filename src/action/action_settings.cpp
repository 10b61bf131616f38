// The action code's settings, read from the config.
#include "burgernet/action/action_settings.hpp"

#include "burgernet/action/social_targets.hpp"
#include "burgernet/channel/social_accounts.hpp"
#include "burgernet/push/device_matching.hpp"

namespace burgernet::action {

ActionSettings action_settings(const config::Config& config) {
  ActionSettings settings;
  for (const auto& [name, channel] : config.channels)
    settings.channels.emplace(name, ChannelUse{channel.capabilities, channel.max_attempts});
  settings.confirm_above = config.limits.confirm_above;
  settings.fanout_chunk = config.limits.fanout_chunk;
  settings.first_chunk = config.limits.first_chunk;
  settings.location_ttl = config.location_ttl;
  settings.urgent_expiry = config.queue.default_urgent_expiry;
  settings.alert_expiry = config.queue.default_alert_expiry;
  settings.night_from = config.alerts.night_from;
  settings.night_to = config.alerts.night_to;
  // A device-matching push channel posts once per topic its message's area covers (issue 16).
  for (const auto& [name, channel] : config.channels) {
    if (push::matches_on_device(channel.capabilities))
      settings.broadcast_targets[name] = push::topic_targets();
  }
  for (const auto& [name, channel] : config.channels) {
    auto accounts = channel::social_accounts(channel);
    if (!accounts.empty()) {
      settings.broadcast_targets[name] = social_targets(name, std::move(accounts), *config.regions);
    }
  }
  return settings;
}

}  // namespace burgernet::action
