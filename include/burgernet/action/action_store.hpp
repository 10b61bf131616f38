// Actions in the database: raising one (selection and fan-out in SQL), reading, follow-ups,
// closing, and the chunked fan-out of large actions. Blocking; run on the pool's threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_settings.hpp"
#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/caller.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/domain/page_cursor.hpp"

namespace burgernet::action {

// Raises the action: one transaction writes the action, its message, its fan-out plan (the
// area cut into chunks by the population grid, nobody selected yet) and the plan's first chunk
// of delivery rows; fanout_next_chunk() writes the rest. A dry run or a refused confirmation
// rolls back. Returns the answer's body: the raised action, or the preview.
// Throws InvalidField / NotAllowed for what only the database can check (the area), and
// NeedsConfirmation above the limit.
// `audit`: appended (with the action's id) in the same transaction when the action is raised.
nlohmann::json create_action(db::Connection& connection, const ActionRequest& request, const auth::Caller& caller,
                             const ActionSettings& settings, const audit::Entry* audit = nullptr);

// Writes the next chunk of the plan of one unfinished large action, if any, and advances the
// plan in the same transaction. True when it did something (call again), false when there is nothing to do.
bool fanout_next_chunk(db::Connection& connection, const ActionSettings& settings);

// Writes the next chunk of one unfinished update or closing (their first chunk is written by
// post_update / close_action), as fanout_next_chunk does.
bool follow_up_next_chunk(db::Connection& connection, const ActionSettings& settings);

// GET /v1/actions/{id}: throws NotFound for an unknown id or one the caller may not see.
nlohmann::json get_action(db::Connection& connection, const std::string& id, const auth::Caller& caller);

// GET /v1/actions' filters (api/action_search.cpp reads and checks them); all optional.
struct ListQuery {
  std::optional<std::string> status;  // active, closed, expired
  int limit = 50;
  std::optional<std::string> cursor;  // as handed out in next_cursor
  std::optional<std::string> kind;
  std::optional<std::string> category;
  std::optional<std::string> municipality;  // an area code: actions whose area meets it
  std::optional<std::string> since, until;  // RFC 3339; created_at >= since, < until
  std::optional<std::string> text;          // in title or message, case-insensitive, as written
};
nlohmann::json list_actions(db::Connection& connection, const ListQuery& query, const auth::Caller& caller);

// An update's new area (issue 15): everyone it adds gets the action and the update in one
// message; `dry_run` counts them by channel and stores nothing.
struct UpdateArea {
  AreaRequest area;
  nlohmann::json area_json;  // as sent, kept with the update
  bool dry_run = false;
};

// POST /v1/actions/{id}/updates and /close; the answers' bodies. Conflict when the action is
// closed (or expired), NotFound when the caller may not see it, NotAllowed when a new area does
// not lie inside the caller's token area.
nlohmann::json post_update(db::Connection& connection, const std::string& id, const std::string& text,
                           const auth::Caller& caller, const ActionSettings& settings,
                           const audit::Entry* audit = nullptr, const std::optional<UpdateArea>& area = std::nullopt);

// Writes the next chunk of one grown area whose new people are not all written yet (its first
// chunk is written by post_update), as fanout_next_chunk does.
bool area_growth_next_chunk(db::Connection& connection, const ActionSettings& settings);
nlohmann::json close_action(db::Connection& connection, const std::string& id, const std::string& outcome,
                            const std::string& text, const auth::Caller& caller, const ActionSettings& settings,
                            const audit::Entry* audit = nullptr);

// Whether `text` is an outcome close_action takes (the action_outcome type: "resolved_by_tip",
// "resolved", "unresolved", "cancelled"); close_action throws InvalidField("outcome",
// kOutcomeChoices) for any other.
bool is_outcome(std::string_view text);
inline constexpr const char* kOutcomeChoices =
    "must be \"resolved_by_tip\", \"resolved\", \"unresolved\" or \"cancelled\"";

// Whether `text` is a uuid in its canonical form (else the route answers 404).
using domain::is_uuid;

}  // namespace burgernet::action
