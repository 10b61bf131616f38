// The shape checks of an areas import file, feature by feature.
#include "ctl/area_features.hpp"

#include <regex>

namespace burgernet::ctl {

using nlohmann::json;

namespace {

// The member as a string, "" when it is missing or not a string. Not json::value(), which
// throws on a member of another type ("type": 1): one odd feature would end the whole import
// half-way with json's message instead of being rejected with a reason.
std::string string_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_feature_collection(const json& document) {
  return document.is_object() && string_member(document, "type") == "FeatureCollection" &&
         document.contains("features") && document["features"].is_array();
}

std::string check_feature(const json& feature) {
  if (!feature.is_object() || string_member(feature, "type") != "Feature") return "not a GeoJSON Feature";
  const auto geometry = feature.find("geometry");
  if (geometry == feature.end() || !geometry->is_object()) return "has no geometry";
  const auto type = string_member(*geometry, "type");
  if (type != "Polygon" && type != "MultiPolygon")
    return "geometry is " + (type.empty() ? "missing" : type) + ", not Polygon or MultiPolygon";
  if (!geometry->contains("coordinates") || !(*geometry)["coordinates"].is_array())
    return "geometry has no coordinates";
  const auto properties = feature.find("properties");
  if (properties == feature.end() || !properties->is_object()) return "has no properties";
  const auto code = properties->find("code");
  static const std::regex code_pattern(R"([A-Za-z0-9_-]{1,32})");
  if (code == properties->end() || !code->is_string() ||
      !std::regex_match(code->get<std::string>(), code_pattern)) {
    return "properties.code must be 1-32 letters, digits, '-' or '_'";
  }
  const auto name = properties->find("name");
  if (name == properties->end() || !name->is_string() || name->get<std::string>().empty()) {
    return "properties.name must be a non-empty string";
  }
  return {};
}

}  // namespace burgernet::ctl
