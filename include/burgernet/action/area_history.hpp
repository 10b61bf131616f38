// The areas an action grew to by its updates (migration 0018), as GET /v1/actions/{id} shows them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "burgernet/db/connection.hpp"

namespace burgernet::action {

// Adds to the answer of GET /v1/actions/{id} `areas` (each update's area, oldest first: its
// message, the area as GeoJSON and as sent, the new people it reached, whether all are written)
// and `current_area` (the newest, or the action's own `area` when it never grew).
void add_area_history(db::Connection& connection, const std::string& action_id, nlohmann::json& action);

}  // namespace burgernet::action
