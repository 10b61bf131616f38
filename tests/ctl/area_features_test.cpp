// The areas import's shape checks: a feature of the wrong shape is rejected with a reason.
#include "ctl/area_features.hpp"

#include <gtest/gtest.h>

namespace burgernet::ctl {
namespace {

using nlohmann::json;

json feature() {
  return json::parse(R"({"type": "Feature", "properties": {"code": "GM0344", "name": "Utrecht"},
                         "geometry": {"type": "Polygon", "coordinates": []}})");
}

TEST(AreaFeatures, AWellShapedFeatureIsAccepted) { EXPECT_EQ(check_feature(feature()), ""); }

TEST(AreaFeatures, ACollectionNeedsItsTypeAndFeatures) {
  EXPECT_TRUE(is_feature_collection(json::parse(R"({"type": "FeatureCollection", "features": []})")));
  EXPECT_FALSE(is_feature_collection(json::parse(R"({"type": "FeatureCollection"})")));
  EXPECT_FALSE(is_feature_collection(json::array()));
}

// Found by tests/fuzz/areas_import_fuzz.cpp: json::value() threw on these and ended the import.
TEST(AreaFeatures, ATypeThatIsNotAStringIsRejectedNotThrown) {
  EXPECT_FALSE(is_feature_collection(json::parse(R"({"type": ["FeatureCollection"], "features": []})")));
  auto odd = feature();
  odd["type"] = 5;
  EXPECT_EQ(check_feature(odd), "not a GeoJSON Feature");
  odd = feature();
  odd["geometry"]["type"] = json::array({"Polygon"});
  EXPECT_EQ(check_feature(odd), "geometry is missing, not Polygon or MultiPolygon");
}

}  // namespace
}  // namespace burgernet::ctl
