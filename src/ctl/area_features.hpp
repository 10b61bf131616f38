// The shape checks of an areas import file (GeoJSON), apart from the database, so that they
// can be tested and fuzzed on their own. The database checks the geometry itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace burgernet::ctl {

// Whether `document` is a GeoJSON FeatureCollection with a `features` array.
bool is_feature_collection(const nlohmann::json& document);

// Why the feature cannot be stored, or "" when its shape is fine: a Feature with a Polygon or
// MultiPolygon geometry and properties.code and properties.name.
std::string check_feature(const nlohmann::json& feature);

}  // namespace burgernet::ctl
