// The optional `area` and `dry_run` of POST /v1/actions/{id}/updates (issue 15: growing areas).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "burgernet/action/action_store.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::api {

// The update's new area in any form an action takes, or nullopt without one; `dry_run` needs
// one. Throws a 400 naming the field ("area.corridor.width_m", "dry_run").
std::optional<action::UpdateArea> read_update_area(const nlohmann::json& body, const config::Config& config);

}  // namespace burgernet::api
