// Each message of an action with its own delivery counts, as GET /v1/actions/{id} and the
// event stream's `progress` show them (migration 0020's counters; never a count of deliveries).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "burgernet/db/connection.hpp"

namespace burgernet::action {

// [{"id","kind","text","created_at","recipients","deliveries":{"<channel>":{"<status>":n}}}],
// oldest first. The caller has checked that the action exists and may be seen.
nlohmann::json message_progress(db::Connection& connection, const std::string& action_id);

}  // namespace burgernet::action
