// The action code's settings, read from the config.
#include "burgernet/action/action_settings.hpp"

namespace burgernet::action {

ActionRules action_rules(const config::Config& config) {
  ActionRules rules;
  for (const auto& [name, _] : config.channels) rules.channels.push_back(name);
  rules.service_area = config.limits.service_area;
  rules.max_radius_m = config.limits.max_radius_m;
  rules.max_vertices = config.limits.max_vertices;
  rules.urgent_expiry = config.queue.default_urgent_expiry;
  rules.alert_expiry = config.queue.default_alert_expiry;
  return rules;
}

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
  return settings;
}

}  // namespace burgernet::action
