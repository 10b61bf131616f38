// The areas an action grew to, read for GET /v1/actions/{id}: a few rows per action.
#include "burgernet/action/area_history.hpp"

#include "burgernet/sql/query.hpp"

namespace burgernet::action {

void add_area_history(db::Connection& c, const std::string& action_id, nlohmann::json& action) {
  using nlohmann::json;
  const auto r = c.exec(sql::query("AreaHistory"), action_id);
  json areas = json::array();
  for (int i = 0; i < r.rows(); ++i) {
    areas.push_back({{"message_id", r.int64(i, 0)},
                     {"request", json::parse(r.text(i, 1))},
                     {"area", json::parse(r.text(i, 2))},
                     {"created_at", r.string(i, 3)},
                     {"new_recipients", r.int64(i, 4)},
                     {"fanout", r.boolean(i, 5) ? "done" : "in_progress"}});
  }
  action["current_area"] = areas.empty() ? action.value("area", json(nullptr)) : areas.back()["area"];
  action["areas"] = std::move(areas);
}

}  // namespace burgernet::action
