// Statistics of actions and participants: GET /v1/stats, burgernetctl stats and the gauges on
// /metrics read them here, from sql/queries/stats.sql. Blocking; run on the pool's threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burgernet/auth/caller.hpp"
#include "burgernet/db/connection.hpp"

namespace burgernet::action {

// A period of whole months, Europe/Amsterdam, both ends included ("YYYY-MM").
struct StatsPeriod {
  std::optional<std::string> from;  // default: eleven months before `to`
  std::optional<std::string> to;    // default: this month
};

// Everything GET /v1/stats answers (docs/statistics.md). `caller`: an admin (or nullptr, the
// CLI) sees all; a municipal caller the actions GET /v1/actions shows it and the participants
// with an address in its area. Throws InvalidField("from" / "to") for a month that is not
// "YYYY-MM" or a period that ends before it starts.
nlohmann::json action_stats(db::Connection& connection, const StatsPeriod& period, const auth::Caller* caller);

// Counts the participants per channel and municipality again (participant_counts, migration
// 0017) when the last count is older than `older_than_s`, unless another process is counting
// now. One statement per area, in one transaction: ~30 s at three million participants.
void count_participants(db::Connection& connection, double older_than_s);

// Whether `text` is a month as the period takes it: "YYYY-MM", 01 to 12.
bool is_month(std::string_view text);

// Actions since the start per outcome ("open" for those not closed) and kind, for /metrics.
struct OutcomeCount {
  std::string outcome;
  std::string kind;
  std::int64_t actions = 0;
};
std::vector<OutcomeCount> actions_by_outcome(db::Connection& connection);

// Records, in close_action's transaction, when the action was first and last sent before its
// close: the statistics' "time to the last message" leaves the closing messages out.
void record_send_times_at_close(db::Connection& connection, const std::string& action_id);

}  // namespace burgernet::action
