// Config `regions`: the police regions' call-back numbers and sender names (docs/configuration.md).
#pragma once

#include <nlohmann/json.hpp>

#include "burgernet/message/regions.hpp"

namespace burgernet::config {

// Reads the `regions` array strictly; throws ConfigError naming the key ("regions[1].areas[0]:
// ..."). Without the key, or with no region marked "fallback", messages name "Politie
// Nederland" with 0800-0011 and 112 (message::Region's defaults).
message::Regions parse_regions(const nlohmann::json& regions);

}  // namespace burgernet::config
