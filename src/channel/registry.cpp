// The one place that maps a driver name to its implementation.
#include "burgernet/channel/registry.hpp"

#include "channel/file/file_channel.hpp"

namespace burgernet::channel {

std::map<std::string, std::shared_ptr<Channel>> make_channels(const config::Config& config,
                                                              boost::asio::any_io_executor blocking) {
  std::map<std::string, std::shared_ptr<Channel>> channels;
  for (const auto& [name, settings] : config.channels) {
    if (settings.driver == "file") {
      channels.emplace(name, std::make_shared<FileChannel>(settings.settings.value("path", ""), blocking));
    } else {
      // Refuse rather than accept deliveries that would only ever wait in the queue.
      throw UnsupportedDriver("channels." + name + ".driver: driver \"" + settings.driver +
                              "\" is not implemented in this build (only \"file\")");
    }
  }
  return channels;
}

}  // namespace burgernet::channel
