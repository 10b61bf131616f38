// Reads actions' messages for CAP out (sql/queries/cap.sql, CapMessages).
#pragma once

#include <string>
#include <vector>

#include "burgernet/action/visibility.hpp"
#include "burgernet/cap/cap_document.hpp"
#include "burgernet/db/connection.hpp"

namespace burgernet::cap {

// Every message of one action, oldest first; empty when the action does not exist or
// `visibility` does not see it.
std::vector<CapMessage> action_cap_messages(db::Connection& c, const std::string& action_id,
                                            const action::Visibility& visibility);

// The feed's messages: the newest 100 of the last 7 days of public actions, newest first
// (docs/cap.md, "Which actions are public").
std::vector<CapMessage> feed_cap_messages(db::Connection& c);

}  // namespace burgernet::cap
