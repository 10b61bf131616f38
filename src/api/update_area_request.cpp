// The optional `area` and `dry_run` of an update, read as an action's area is.
#include "api/update_area_request.hpp"

#include "burgernet/action/action_request.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::api {

std::optional<action::UpdateArea> read_update_area(const nlohmann::json& body, const config::Config& config) {
  bool dry_run = false;
  if (const auto it = body.find("dry_run"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) throw http::BadRequest("dry_run", "must be true or false");
    dry_run = it->get<bool>();
  }
  if (!body.contains("area") || body.at("area").is_null()) {
    if (dry_run) throw http::BadRequest("dry_run", "needs an \"area\": it counts the people a new area adds");
    return std::nullopt;
  }
  return action::UpdateArea{action::parse_area(body, action::action_rules(config)), body.at("area"), dry_run};
}

}  // namespace burgernet::api
