// Reads a push channel's `matching` key, for the drivers that offer it (fcm, file).
#include "channel/push_matching.hpp"

namespace burgernet::channel {

bool matches_on_device(const config::ChannelConfig& config) {
  const auto it = config.settings.find("matching");
  return it != config.settings.end() && it->is_string() && it->get<std::string>() == "device";
}

Capabilities with_matching(const config::ChannelConfig& config, Capabilities served) {
  const auto it = config.settings.find("matching");
  if (it == config.settings.end() || it->is_null()) return served;
  const std::string key = "channels." + config.name + ".matching";
  if (!it->is_string() || (it->get<std::string>() != "server" && it->get<std::string>() != "device"))
    throw config::ConfigError(key + ": must be \"server\" or \"device\"");
  if (it->get<std::string>() == "server") return served;
  if (served.form != TextForm::kPush)
    throw config::ConfigError(key + ": only a push channel can match on the device");
  return {Audience::kBroadcast, AddressKind::kNone, TextForm::kPush, false};
}

}  // namespace burgernet::channel
