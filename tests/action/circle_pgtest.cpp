// A circle is a circle (migration 0013): an action's circle selects by distance from its centre,
// and its count equals an independent geodesic count (PostGIS geography, on the WGS 84
// spheroid, with no RD New in it) within the RD projection's scale error. A 128-sided polygon
// inscribed in a 20 km circle misses up to 6 m at the middle of each side: the points 3 m inside
// the radius at those bearings are what tells the two apart.
#include <gtest/gtest.h>

#include "action/population.hpp"
#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

constexpr double kRadius = 20000;

// One participant per point `distance` metres from the Dam along the geodesic at each bearing
// (degrees, clockwise from north); all of them choose sms only.
void ring(TestDatabase& db, double distance, int bearings, double first_bearing, const std::string& phone_prefix) {
  db.scalar(
      "WITH pts AS (SELECT i, ST_Project(ST_SetSRID(ST_MakePoint(" + std::to_string(kLon) + ", " +
      std::to_string(kLat) + "), 4326)::geography, " + std::to_string(distance) + ", radians(" +
      std::to_string(first_bearing) + " + i * 360.0 / " + std::to_string(bearings) +
      "))::geometry AS g FROM generate_series(0, " + std::to_string(bearings - 1) +
      ") i), "
      "p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
      "  SELECT 'active', '\\x00', convert_to('" +
      phone_prefix +
      "' || lpad(i::text, 6, '0'), 'UTF8'), now() FROM pts RETURNING id, phone_lookup) "
      "INSERT INTO participant_addresses (participant_id, position, location, channels) "
      "SELECT p.id, 0, ST_Transform(pts.g, 28992), '{sms}' FROM p JOIN pts "
      "  ON convert_from(p.phone_lookup, 'UTF8') = '" +
      phone_prefix + "' || lpad(pts.i::text, 6, '0')");
}

TEST(Circle, SelectsByDistanceAsAGeodesicCountDoes) {
  TestDatabase database;
  // The middle of each side of a 128-gon lies at (k + 0.5) * 360 / 128 degrees from the
  // vertices; 512 bearings put four points on every side, one of them near its middle.
  ring(database, kRadius - 3, 512, 0.0, "+31611");     // inside: every one is a recipient
  ring(database, kRadius + 3, 512, 0.35, "+31612");    // outside: none is
  ring(database, kRadius - 900, 64, 0.0, "+31613");    // well inside
  ring(database, kRadius + 900, 64, 0.0, "+31614");    // well outside
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  auto document = daemon_config(database.url(), "/tmp");
  document["limits"] = {{"confirm_above", 100000}, {"fanout_chunk", 100}, {"first_chunk", 100}};
  const auto config = config::parse_config(document);
  json body = {{"kind", "urgent"},
               {"category", "missing_person"},
               {"title", "Vermist kind"},
               {"message", "Meisje van 7, roze jas."},
               {"channels", {"sms"}},
               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", kRadius}}}}}};

  // The independent count: geodesic distance on the spheroid, no projection.
  const auto geodesic = std::stoi(database.scalar(
      "SELECT count(*) FROM participant_addresses WHERE ST_DWithin(ST_Transform(location, 4326)::geography, "
      "ST_SetSRID(ST_MakePoint(" +
      std::to_string(kLon) + ", " + std::to_string(kLat) + "), 4326)::geography, " + std::to_string(kRadius) +
      ", true)"));
  EXPECT_EQ(geodesic, 512 + 64);

  db::Connection api(database.url());
  auto preview_request = action::parse_action_request(body, action::action_rules(config));
  preview_request.dry_run = true;
  const auto preview = action::create_action(api, preview_request, caller, action::action_settings(config));
  // RD New's scale error is below 1e-4 here (2 m at 20 km): every point is 3 m or more from the edge.
  EXPECT_EQ(preview["recipients"], geodesic);

  // The fan-out, chunk by chunk over the grid's squares, selects the same.
  const auto raised = action::create_action(api, action::parse_action_request(body, action::action_rules(config)), caller, action::action_settings(config));
  while (action::fanout_next_chunk(api, action::action_settings(config))) {
  }
  const std::string id = raised["id"];
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND channel = 'sms'"),
            std::to_string(geodesic));
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries d JOIN participants p ON p.id = d.participant_id "
                            "WHERE d.action_id = '" +
                            id + "' AND convert_from(p.phone_lookup, 'UTF8') LIKE ANY ('{+31612%,+31614%}')"),
            "0");
  // The grid's bound covers the count, and its estimate is near it.
  EXPECT_GE(raised["recipients"].get<int>(), geodesic);
  EXPECT_NEAR(preview["estimate"]["recipients"].get<double>(), geodesic, geodesic * 0.5);

  // The estimate alone: the grid's two numbers, nothing written, not even an action to roll back.
  const auto actions_before = database.scalar("SELECT count(*) FROM actions");
  auto estimate_request = action::parse_action_request(body, action::action_rules(config));
  estimate_request.dry_run = true;
  estimate_request.estimate_only = true;
  const auto estimate = action::create_action(api, estimate_request, caller, action::action_settings(config));
  EXPECT_FALSE(estimate.contains("recipients"));
  EXPECT_EQ(estimate["estimate"], preview["estimate"]);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM actions"), actions_before);
  // estimate_only asks for a dry run.
  json bad = body;
  bad["estimate_only"] = true;
  EXPECT_THROW(action::parse_action_request(bad, action::action_rules(config)), burgernet::InvalidField);
}

}  // namespace
}  // namespace burgernet::testing
