// Pure checks of the action request reader and the fan-out's slicing of the id space.
#include "burgernet/action/action_request.hpp"

#include <gtest/gtest.h>

#include "burgernet/action/action_store.hpp"
#include "burgernet/domain/errors.hpp"

namespace burgernet::action {
namespace {

using nlohmann::json;

ActionRules test_config() {
  return action_rules(config::parse_config({{"database", {{"url", "postgresql:///x"}}},
                               {"channels",
                                {{"sms", {{"driver", "file"}, {"path", "/tmp/s"}}},
                                 {"twitter", {{"driver", "file"}, {"path", "/tmp/t"}}}}}}));
}

json valid() {
  return {{"kind", "alert"},
          {"category", "witness_call"},
          {"title", "Getuigen gezocht"},
          {"message", "Wie zag de aanrijding?"},
          {"area", {{"circle", {{"lat", 52.37}, {"lon", 4.89}, {"radius_m", 500}}}}}};
}

std::string field_of(const json& body) {
  try {
    parse_action_request(body, test_config());
  } catch (const InvalidField& e) {
    return e.field();
  }
  return "(accepted)";
}

TEST(ActionRequest, DefaultsComeFromTheConfig) {
  const auto request = parse_action_request(valid(), test_config());
  EXPECT_EQ(request.channels, (std::vector<std::string>{"sms", "twitter"}));
  EXPECT_EQ(request.expires_in_s, 48 * 3600);
  EXPECT_FALSE(request.dry_run);
  EXPECT_EQ(request.area.kind, AreaRequest::Kind::kCircle);
  EXPECT_DOUBLE_EQ(request.area.radius_m, 500);
}

TEST(ActionRequest, SendAtNeedsAnOffset) {
  auto body = valid();
  body["send_at"] = "2026-12-01T09:00:00+01:00";
  EXPECT_EQ(field_of(body), "(accepted)");
  body["send_at"] = "2026-12-01T08:00:00Z";
  EXPECT_EQ(field_of(body), "(accepted)");
  body["send_at"] = "2026-12-01 09:00";
  EXPECT_EQ(field_of(body), "send_at");
  body["send_at"] = "tomorrow";
  EXPECT_EQ(field_of(body), "send_at");
}

TEST(ActionRequest, APolygonIsCheckedBeforeTheDatabaseSeesIt) {
  auto body = valid();
  json ring = json::array();
  for (int i = 0; i < 1200; ++i) ring.push_back({4.8 + 0.0001 * i, 52.3 + (i % 2) * 0.001});
  ring.push_back(ring[0]);
  body["area"] = {{"polygon", {{"type", "Polygon"}, {"coordinates", {ring}}}}};
  EXPECT_EQ(field_of(body), "area.polygon");  // more than 1000 vertices
  body["area"] = {{"polygon", {{"type", "LineString"}, {"coordinates", {ring}}}}};
  EXPECT_EQ(field_of(body), "area.polygon.type");
  body["area"] = {
      {"polygon", {{"type", "Polygon"}, {"coordinates", {{{4.8, 52.3}, {4.9, 52.3}, {4.8, 52.3}}}}}}};
  EXPECT_EQ(field_of(body), "area.polygon.coordinates[0]");
}

TEST(ActionIds, AreCanonicalUuids) {
  EXPECT_TRUE(is_uuid("0d21575b-f4cc-47d6-bcf8-61e898c1938e"));
  EXPECT_FALSE(is_uuid("0d21575b-f4cc-47d6-bcf8-61e898c1938"));
  EXPECT_FALSE(is_uuid("0d21575b_f4cc-47d6-bcf8-61e898c1938e"));
}

}  // namespace
}  // namespace burgernet::action
