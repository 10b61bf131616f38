// Config `regions`: what a region gives, the fallback, and a clear error naming the bad key.
#include "burgernet/config/regions_config.hpp"

#include <gtest/gtest.h>

#include "burgernet/config/config.hpp"

namespace burgernet::config {
namespace {

using nlohmann::json;

json with_regions(const json& regions) {
  json doc = json::parse(R"({"database": {"url": "postgresql://user@/burgernet?host=/tmp&port=55432"},
                             "channels": {"sms": {"driver": "file", "path": "var/outbox/sms.jsonl"}}})");
  doc["regions"] = regions;
  return doc;
}

std::string error_of(const json& regions) {
  try {
    parse_config(with_regions(regions));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

json amsterdam() {
  return json::parse(R"({"code": "PE-AMS", "name": "Politie Amsterdam", "callback_number": "0800-0011",
                         "sender_name": "Politie Amsterdam", "areas": ["GM0363", "GM0362"]})");
}

TEST(RegionsConfig, WithoutRegionsEveryMessageHasTheBuiltInDefault) {
  json doc = with_regions(json::array());
  doc.erase("regions");
  const auto config = parse_config(doc);
  ASSERT_TRUE(config.regions);
  EXPECT_TRUE(config.regions->all().empty());
  const auto& region = config.regions->for_areas({"GM0363"});
  EXPECT_EQ(region.callback_number, "0800-0011");
  EXPECT_EQ(region.emergency_number, "112");
  EXPECT_EQ(region.sender_name, "Politie Nederland");
}

TEST(RegionsConfig, TheFirstRegionListingACentreAreaIsChosen) {
  json rotterdam = {{"code", "PE-RTM"}, {"name", "Politie Rotterdam"}, {"callback_number", "010 274 0000"},
                    {"areas", {"GM0599"}}};
  json national = {{"code", "NL"}, {"name", "Politie"}, {"callback_number", "0900-8844"},
                   {"sender_name", "Politie Nederland"}, {"fallback", true}};
  const auto config = parse_config(with_regions({amsterdam(), rotterdam, national}));
  EXPECT_EQ(config.regions->for_areas({"PI-07", "GM0599"}).code, "PE-RTM");
  EXPECT_EQ(config.regions->for_areas({"GM0599", "GM0362"}).code, "PE-AMS");  // config order
  EXPECT_EQ(config.regions->for_areas({"GM0599"}).sender_name, "Politie Rotterdam");  // defaults to name
  EXPECT_EQ(config.regions->for_areas({"GM0014"}).code, "NL");
  EXPECT_EQ(config.regions->for_areas({}).callback_number, "0900-8844");
}

TEST(RegionsConfig, BadRegionsNameTheKey) {
  EXPECT_EQ(error_of(json::object()), "regions: must be an array of regions");
  EXPECT_EQ(error_of(json::array({42})), "regions[0]: must be an object");
  json r = amsterdam();
  r.erase("callback_number");
  EXPECT_EQ(error_of(json::array({r})), "regions[0].callback_number: is required");
  r = amsterdam();
  r["callback_number"] = "bel ons";
  EXPECT_NE(error_of(json::array({r})).find("regions[0].callback_number: must be a phone number"), std::string::npos);
  r = amsterdam();
  r["areas"] = {"GM0363", "not a code!"};
  EXPECT_EQ(error_of(json::array({r})), "regions[0].areas[1]: must be an area code such as \"GM0363\"");
  r = amsterdam();
  r["areas"] = json::array();
  EXPECT_EQ(error_of(json::array({r})), "regions[0].areas: must list at least one area code");
  r = amsterdam();
  r["callback_numbr"] = "0800-0011";
  EXPECT_EQ(error_of(json::array({r})), "regions[0].callback_numbr: unknown key");
  json second = amsterdam();
  second["code"] = "PE-NH";
  second["areas"] = {"GM0362"};
  EXPECT_EQ(error_of(json::array({amsterdam(), second})), "regions[1].areas[0]: \"GM0362\" is listed by regions[0] too");
  second = amsterdam();
  second["areas"] = {"GM0400"};
  EXPECT_EQ(error_of(json::array({amsterdam(), second})), "regions[1].code: \"PE-AMS\" is used twice");
  r = amsterdam();
  r["fallback"] = "yes";
  EXPECT_EQ(error_of(json::array({r})), "regions[0].fallback: must be true or false");
  r = amsterdam();
  r["sender_name"] = "";
  EXPECT_EQ(error_of(json::array({r})), "regions[0].sender_name: must be 1 to 100 characters");
}

}  // namespace
}  // namespace burgernet::config
