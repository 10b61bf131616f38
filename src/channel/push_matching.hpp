// A push channel's `matching` key (issue 16): "server" (the default: the server selects devices
// by the location they report) or "device" (the app decides: a broadcast to FCM topics).
#pragma once

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

// The capabilities of a channel that would serve `served` with server matching: unchanged, or
// with `"matching": "device"` a broadcast of push form (push/device_matching.hpp), one delivery
// per covered topic. Throws config::ConfigError naming the key.
Capabilities with_matching(const config::ChannelConfig& config, Capabilities served);

// Whether the channel's config asks for device matching (read after with_matching checked it).
bool matches_on_device(const config::ChannelConfig& config);

}  // namespace burgernet::channel
