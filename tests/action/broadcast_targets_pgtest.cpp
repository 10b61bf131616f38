// A broadcast channel that names targets (its accounts, its topics) gets one delivery per target
// for the action, for each update and for the closing, each with its target stored; a channel
// without targets keeps its one post (migration 0023).
#include <gtest/gtest.h>

#include "action/population.hpp"
#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

action::ActionRequest circle_request(const config::Config& config) {
  json body = {{"kind", "urgent"},
               {"category", "burglary"},
               {"title", "Inbraak"},
               {"message", "Twee mannen in het zwart."},
               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}};
  return action::parse_action_request(body, action::action_rules(config));
}

std::string targets_of(TestDatabase& db, const std::string& id, const std::string& kind) {
  return db.scalar("SELECT string_agg(coalesce(target, '-'), ',' ORDER BY target NULLS FIRST) FROM deliveries "
                   "WHERE action_id = '" + id + "' AND channel = 'twitter' AND kind = '" + kind + "'");
}

TEST(BroadcastTargets, EachTargetGetsItsOwnPostOfTheActionItsUpdatesAndItsClosing) {
  TestDatabase database;
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  const auto config = config::parse_config(daemon_config(database.url(), "/tmp"));
  auto settings = action::action_settings(config);
  int asked = 0;
  // The hook sees the stored action: it reads the area from the database, as the real ones do.
  settings.broadcast_targets["twitter"] = [&asked](db::Connection& c, const std::string& action_id) {
    ++asked;
    const auto r = c.exec(sql::Query{"area_type", "SELECT ST_GeometryType(area) FROM actions WHERE id = $1"}, action_id);
    EXPECT_EQ(r.rows(), 1);
    return std::vector<std::optional<std::string>>{"politie_amsterdam", "politie, \"landelijk\""};
  };

  db::Connection api(database.url());
  const auto preview = [&] {
    auto request = circle_request(config);
    request.dry_run = true;
    return action::create_action(api, request, caller, settings);
  }();
  EXPECT_EQ(preview["by_channel"]["twitter"], 2);

  const auto raised = action::create_action(api, circle_request(config), caller, settings);
  const std::string id = raised["id"];
  EXPECT_EQ(raised["by_channel"]["twitter"], 2);
  // Quotes and commas in a target stay data.
  EXPECT_EQ(targets_of(database, id, "action"), "politie, \"landelijk\",politie_amsterdam");

  const auto update = action::post_update(api, id, "Gezien bij het station.", caller, settings, nullptr, std::nullopt);
  EXPECT_EQ(targets_of(database, id, "update"), "politie, \"landelijk\",politie_amsterdam");
  const auto closed = action::close_action(api, id, "resolved", "Aangehouden.", caller, settings, nullptr);
  EXPECT_EQ(targets_of(database, id, "closing"), "politie, \"landelijk\",politie_amsterdam");
  EXPECT_EQ(asked, 4);

  // Without a hook: the one post of before, with no target.
  const auto plain = action::create_action(api, circle_request(config), caller, action::action_settings(config));
  EXPECT_EQ(plain["by_channel"]["twitter"], 1);
  EXPECT_EQ(targets_of(database, plain["id"], "action"), "-");
}

}  // namespace
}  // namespace burgernet::testing
