// The rules a request is checked against, read from the config. Apart from action_settings.cpp:
// the request parser and its fuzz targets need these and nothing of the channels' targets.
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

}  // namespace burgernet::action
