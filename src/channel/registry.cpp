// The drivers of this build, one line each, and the channels built from the config with them.
#include "burgernet/channel/registry.hpp"

#include "burgernet/channel/driver.hpp"
#include "channel/fcm/fcm_channel.hpp"
#include "channel/file/file_channel.hpp"
#include "channel/mastodon/mastodon_channel.hpp"
#include "channel/smtp/smtp_channel.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "channel/webhook/webhook_channel.hpp"
#include "channel/x/x_channel.hpp"

namespace burgernet::channel {

const std::vector<Driver>& drivers() {
  static const std::vector<Driver> all = {
      file_driver(),
      twilio_sms_driver(),
      twilio_voice_driver(),
      fcm_driver(),
      x_driver(),
      mastodon_driver(),
      smtp_driver(),
      webhook_driver(),
  };
  return all;
}

const Driver* find_driver(std::string_view name) {
  for (const auto& driver : drivers()) {
    if (driver.name == name) return &driver;
  }
  return nullptr;
}

std::string Driver::value(const config::ChannelConfig& config, std::string_view key) const {
  for (const auto& setting : settings) {
    if (setting.key != key) continue;
    const auto it = config.settings.find(setting.key);
    if (it == config.settings.end() || it->is_null() || !it->is_string()) return setting.default_value;
    return it->get<std::string>();
  }
  return {};
}

std::map<std::string, std::shared_ptr<Channel>> make_channels(const config::Config& config,
                                                              boost::asio::any_io_executor blocking) {
  std::map<std::string, std::shared_ptr<Channel>> channels;
  for (const auto& [name, settings] : config.channels) {
    const Driver* driver = find_driver(settings.driver);
    // The config reader refuses unknown drivers; a Config built by hand might not have.
    if (driver == nullptr) {
      throw UnsupportedDriver("channels." + name + ".driver: driver \"" + settings.driver +
                              "\" is not implemented in this build");
    }
    try {
      channels.emplace(name, driver->make(settings, blocking));
    } catch (const ChannelSetupError&) {
      throw;
    } catch (const std::exception& e) {
      throw ChannelSetupError(e.what());  // drivers name the key; never a secret's content
    }
  }
  return channels;
}

}  // namespace burgernet::channel
