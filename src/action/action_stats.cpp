// The statistics of GET /v1/stats from a handful of cheap statements (sql/queries/stats.sql):
// actions by month, category and region with their outcomes, send times, participants.
#include "burgernet/action/action_stats.hpp"

#include <array>
#include <cctype>

#include "burgernet/action/visibility.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::action {
namespace {

using nlohmann::json;

// The participants counted in the background (app/outcome_metrics.cpp) every nine minutes are
// counted by a request only when that did not happen (docs/statistics.md, "Cost").
constexpr double kCountsGoodForS = 600;

// Every outcome an action can have here, "open" for one not closed (running or expired).
constexpr std::array<const char*, 5> kOutcomes = {"resolved_by_tip", "resolved", "unresolved", "cancelled", "open"};

// The area whose participants a caller sees: a municipal token's; nullopt for all.
std::optional<std::string> participant_scope(const auth::Caller* caller) {
  if (caller == nullptr || caller->role == "admin") return std::nullopt;
  if (!caller->area_code) throw NotAllowed("this token has no area");
  return caller->area_code;
}

std::string next_month(const std::string& month) {
  int year = std::stoi(month.substr(0, 4)), number = std::stoi(month.substr(5, 2)) + 1;
  if (number == 13) {
    number = 1;
    ++year;
  }
  // Room for any int: the compiler cannot know a month's year has four digits.
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d", year, number);
  return out;
}

std::vector<std::string> months_of(const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  for (auto m = from; m <= to; m = next_month(m)) out.push_back(m);
  return out;
}

json empty_group() {
  json by_outcome = json::object();
  for (const char* outcome : kOutcomes) by_outcome[outcome] = 0;
  return {{"actions", 0}, {"by_outcome", std::move(by_outcome)}};
}

// Shares of the closed actions that were not cancelled (a cancelled action was called off, it
// was neither solved nor not): null while there are none.
void add_shares(json& group) {
  const auto& o = group["by_outcome"];
  const auto tip = o["resolved_by_tip"].get<std::int64_t>();
  const auto resolved = tip + o["resolved"].get<std::int64_t>();
  const auto decided = resolved + o["unresolved"].get<std::int64_t>();
  group["decided"] = decided;
  group["share_resolved"] = decided == 0 ? json(nullptr) : json(double(resolved) / double(decided));
  group["share_resolved_by_tip"] = decided == 0 ? json(nullptr) : json(double(tip) / double(decided));
}

json actions_part(db::Connection& c, const std::string& from, const std::string& to, const Visibility& v) {
  json total = empty_group(), by_month = json::object(), by_category = json::object(), by_region = json::object();
  for (const auto& month : months_of(from, to)) by_month[month] = empty_group();
  const auto r = c.exec(sql::query("StatsActions"), db::Params(from, to, v.token_id, v.area_code, v.role));
  for (int i = 0; i < r.rows(); ++i) {
    const auto dimension = r.string(i, 0);
    const auto key = r.string(i, 1);
    json& group = dimension == "all"        ? total
                  : dimension == "month"    ? by_month[key]
                  : dimension == "category" ? by_category[key]
                                            : by_region[key];
    if (group.is_null()) group = empty_group();
    const auto count = r.int64(i, 3);
    group["by_outcome"][r.string(i, 2)] = count;
    group["actions"] = group["actions"].get<std::int64_t>() + count;
  }
  add_shares(total);
  for (auto* groups : {&by_month, &by_category, &by_region})
    for (auto& [_, group] : groups->items()) add_shares(group);
  total["by_month"] = std::move(by_month);
  total["by_category"] = std::move(by_category);
  total["by_region"] = std::move(by_region);
  return total;
}

json send_times_part(db::Connection& c, const std::string& from, const std::string& to, const Visibility& v) {
  const auto r = c.exec(sql::query("StatsSendTimes"), db::Params(from, to, v.token_id, v.area_code, v.role));
  auto seconds = [&](int row, int col) { return r.is_null(row, col) ? json(nullptr) : json(r.float64(row, col)); };
  json by_month = json::object();
  json total = {{"actions", 0}, {"first_message_s", {{"median", nullptr}, {"p90", nullptr}}},
                {"last_message_s", {{"median", nullptr}, {"p90", nullptr}}}};
  for (int i = 0; i < r.rows(); ++i) {
    json group = {{"actions", r.int64(i, 1)},
                  {"first_message_s", {{"median", seconds(i, 2)}, {"p90", seconds(i, 3)}}},
                  {"last_message_s", {{"median", seconds(i, 4)}, {"p90", seconds(i, 5)}}}};
    if (r.is_null(i, 0)) {
      total = std::move(group);
    } else {
      by_month[r.string(i, 0)] = std::move(group);
    }
  }
  total["by_month"] = std::move(by_month);
  return total;
}

json participants_part(db::Connection& c, const std::optional<std::string>& area) {
  count_participants(c, kCountsGoodForS);
  json by_channel = json::object(), by_municipality = json::object();
  const auto r = c.exec(sql::query("StatsParticipantCounts"), area.value_or("national"));
  for (int i = 0; i < r.rows(); ++i)
    (r.string(i, 0) == "channel" ? by_channel : by_municipality)[r.string(i, 1)] = r.int64(i, 2);
  return {{"by_channel", std::move(by_channel)}, {"by_municipality", std::move(by_municipality)}};
}

json signups_part(db::Connection& c, const std::string& from, const std::string& to,
                  const std::optional<std::string>& area) {
  json by_month = json::object();
  if (area) {
    const auto r = c.exec(sql::query("StatsSignupsInArea"), db::Params(from, to, *area));
    for (int i = 0; i < r.rows(); ++i) by_month[r.string(i, 0)] = {{"signed_up", r.int64(i, 1)}, {"erased", nullptr}};
  } else {
    const auto r = c.exec(sql::query("StatsSignups"), db::Params(from, to));
    for (int i = 0; i < r.rows(); ++i)
      by_month[r.string(i, 0)] = {{"signed_up", r.int64(i, 1)}, {"erased", r.int64(i, 2)}};
  }
  return by_month;
}

}  // namespace

void count_participants(db::Connection& c, double older_than_s) {
  db::Transaction tx(c);
  const auto r = c.exec(sql::query("StatsCountsAge"));
  if (!r.is_null(0, 0) && r.float64(0, 0) < older_than_s) return;
  if (!r.boolean(0, 1)) return;  // another is counting: what is there now is read
  for (const char* step : {"StatsCountsClear", "StatsCountChannels", "StatsCountApps"}) c.exec(sql::query(step));
  const auto areas = c.exec(sql::query("StatsCountedAreas"));
  for (int i = 0; i < areas.rows(); ++i) c.exec(sql::query("StatsCountMunicipality"), areas.string(i, 0));
  c.exec(sql::query("StatsCountsTaken"));
  tx.commit();
}

bool is_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12 && text.substr(0, 4) >= "1970";
}

json action_stats(db::Connection& c, const StatsPeriod& period, const auth::Caller* caller) {
  if (period.from && !is_month(*period.from)) throw InvalidField("from", "must be a month, YYYY-MM");
  if (period.to && !is_month(*period.to)) throw InvalidField("to", "must be a month, YYYY-MM");
  const auto defaults = c.exec(sql::query("StatsDefaultMonths"));
  const std::string to = period.to.value_or(defaults.string(0, 1));
  std::string from = period.from.value_or(defaults.string(0, 0));
  if (!period.from && period.to) {
    // Twelve months ending with the one asked for.
    from = std::to_string(std::stoi(to.substr(0, 4)) - 1) + "-" + to.substr(5, 2);
    from = next_month(from);
  }
  if (from > to) throw InvalidField(period.from ? "from" : "to", "the period starts after it ends (from > to)");
  if (std::stoi(to.substr(0, 4)) - std::stoi(from.substr(0, 4)) > 10)
    throw InvalidField("from", "the period may be at most ten years");
  // Admin and the CLI (no caller) see all.
  const auto v = caller == nullptr ? Visibility{} : visibility_of(*caller);
  const auto area = participant_scope(caller);
  return {{"from", from},
          {"to", to},
          {"scope", area ? json(*area) : json("national")},
          {"actions", actions_part(c, from, to, v)},
          {"time_to_message", send_times_part(c, from, to, v)},
          {"participants", participants_part(c, area)},
          {"signups", signups_part(c, from, to, area)}};
}

std::vector<OutcomeCount> actions_by_outcome(db::Connection& c) {
  std::vector<OutcomeCount> out;
  const auto r = c.exec(sql::query("StatsActionsClosed"));
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.string(i, 0), r.string(i, 1), r.int64(i, 2)});
  return out;
}

void record_send_times_at_close(db::Connection& c, const std::string& action_id) {
  c.exec(sql::query("StatsSendTimesAtClose"), action_id);
}

}  // namespace burgernet::action
