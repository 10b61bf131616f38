// Builds one channel per configured entry of config.channels.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "burgernet/channel/channel.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

// A channel that cannot be set up (a secret file missing, a URL that is not https); the message
// names the key, never a secret. The daemon exits non-zero.
class ChannelSetupError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A driver the config parser accepts but this build cannot run yet.
class UnsupportedDriver : public ChannelSetupError {
  using ChannelSetupError::ChannelSetupError;
};

// Throws ChannelSetupError. `blocking` runs the drivers' blocking I/O (file writes, fsync), never an I/O thread.
std::map<std::string, std::shared_ptr<Channel>> make_channels(const config::Config& config,
                                                              boost::asio::any_io_executor blocking);

}  // namespace burgernet::channel
