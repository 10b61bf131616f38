// A channel driver describes itself in one place: its name, the settings it takes and what its
// channels can do, and how to build one. The config reader, the registry and (through the
// capabilities) the selection, the dispatcher and the renderer all read this description.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/channel/channel.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

// One driver-specific key of a channel's config (the common ones, rate_per_s, concurrency,
// timeout_ms, max_attempts and the circuit's, every channel takes).
struct Setting {
  enum class Kind {
    kText,        // a string
    kSecretFile,  // a path to a file holding a secret (read by the driver, never logged)
    kHttpsUrl,    // an https:// URL
    kFile,        // a path the driver reads or writes
  };
  std::string key;
  Kind kind = Kind::kText;
  bool required = false;
  std::string default_value;  // what the driver uses when the key is absent
};

struct Driver {
  std::string name;  // as in the config's "driver"
  std::vector<Setting> settings;
  // What a channel of this driver can do. Fixed for most drivers; the file driver serves
  // whatever the channel asks of it. Throws config::ConfigError naming the key.
  std::function<Capabilities(const config::ChannelConfig&)> capabilities;
  // Builds a channel; throws std::runtime_error naming the key (never a secret's content).
  // `blocking` runs the driver's blocking I/O (file writes, fsync, SMTP), never an I/O thread.
  std::function<std::shared_ptr<Channel>(const config::ChannelConfig&, boost::asio::any_io_executor blocking)> make;

  // A setting's value, or its declared default.
  std::string value(const config::ChannelConfig& config, std::string_view key) const;
};

// Every driver of this build, one registration line each (src/channel/registry.cpp).
const std::vector<Driver>& drivers();
const Driver* find_driver(std::string_view name);

// The capabilities of a driver that serves one form only.
inline std::function<Capabilities(const config::ChannelConfig&)> serves(TextForm form) {
  return [form](const config::ChannelConfig&) { return capabilities_of(form); };
}

}  // namespace burgernet::channel
