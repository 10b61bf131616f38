// The broadcast-target hook of a device-matching push channel: which topics a message goes to,
// and the area it carries, small enough for FCM's 4 KB payload.
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/push/device_matching.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::push {
namespace {

// FCM refuses a message whose payload passes 4096 bytes; the rest of it (title, text, ids) takes
// well under 1.5 KB, so the area gets the remainder.
constexpr std::size_t kAreaBudget = 2400;
// Metres the area may be simplified (and widened) by, tried in turn until it fits; -1 is its
// bounding box, which always does.
constexpr double kTolerances[] = {0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, -1};

nlohmann::json area_payload(db::Connection& c, const std::string& action_id) {
  for (const double tolerance : kTolerances) {
    const auto r = c.exec(sql::query("PushAreaPayload"), action_id, tolerance);
    if (r.rows() == 0 || r.is_null(0, 0)) return nullptr;
    const auto area = r.string(0, r.column("area"));
    const auto circle = r.optional_string(0, r.column("circle"));
    if (area.size() + circle.value_or("").size() > kAreaBudget && tolerance >= 0) continue;
    nlohmann::json payload = {{"area", nlohmann::json::parse(area)}};
    if (circle) payload["circle"] = nlohmann::json::parse(*circle);
    return payload;
  }
  return nullptr;
}

}  // namespace

action::BroadcastTargets topic_targets() {
  return [](db::Connection& c, const std::string& action_id) {
    std::vector<std::optional<std::string>> topics;
    const auto r = c.exec(sql::query("PushTopicsCovering"), action_id);
    for (int i = 0; i < r.rows(); ++i) topics.emplace_back(r.string(i, 0));
    // A preview (dry run) asks too: its message row, and with it this one, rolls back.
    if (const auto payload = area_payload(c, action_id); !payload.is_null())
      c.exec(sql::query("PushAreaStore"), action_id, payload.dump());
    return topics;
  };
}

std::int64_t estimated_devices(db::Connection& c, const std::string& action_id) {
  const auto r = c.exec(sql::query("PushDevicesEstimate"), action_id);
  return r.rows() == 0 ? 0 : r.int64(0, 0);
}

}  // namespace burgernet::push
