// burgernet_build_info{version, commit, compiler} = 1: which build answers the scrape.
#pragma once

#include "burgernet/metrics/registry.hpp"

namespace burgernet::metrics {

void register_build_info(Registry& registry);

}  // namespace burgernet::metrics
