// `burgernetctl areas import FILE.geojson`: municipality and police unit areas for actions.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

// Why the feature cannot be stored, or "" when its shape is fine (the database checks the
// geometry itself).
std::string check_feature(const json& feature) {
  if (!feature.is_object() || feature.value("type", "") != "Feature") return "not a GeoJSON Feature";
  const auto geometry = feature.find("geometry");
  if (geometry == feature.end() || !geometry->is_object()) return "has no geometry";
  const auto type = geometry->value("type", "");
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

}  // namespace

int run_areas_import(const config::Config& config, const ImportOptions& options) {
  std::ifstream in(options.path);
  if (!in) {
    std::cerr << "burgernetctl: cannot read " << options.path << "\n";
    return 2;
  }
  const json document = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    std::cerr << "burgernetctl: " << options.path << " is not valid JSON\n";
    return 2;
  }
  if (!document.is_object() || document.value("type", "") != "FeatureCollection" ||
      !document.contains("features") || !document["features"].is_array()) {
    std::cerr << "burgernetctl: " << options.path << " is not a GeoJSON FeatureCollection\n";
    return 2;
  }
  db::Connection connection(config.database.url);
  int imported = 0, rejected = 0;
  const auto& features = document["features"];
  for (std::size_t i = 0; i < features.size(); ++i) {
    const auto& feature = features[i];
    std::string reason = check_feature(feature);
    if (reason.empty()) {
      const auto& properties = feature["properties"];
      try {
        // Each feature on its own: a bad one does not hold the good ones back.
        const auto r = connection.exec(sql::query("AreaUpsert"), properties["code"].get<std::string>(),
                                       properties["name"].get<std::string>(), feature["geometry"].dump());
        if (r.int64(0, 0) == 1) {
          ++imported;
          continue;
        }
        reason = "invalid geometry: " + r.string(0, 1);
      } catch (const db::DatabaseUnavailable&) {
        throw;
      } catch (const db::DatabaseError& e) {
        reason = "the geometry cannot be read: " + std::string(e.what());
      }
    }
    ++rejected;
    std::cout << "feature " << i << ": rejected: " << reason << "\n";
  }
  std::cout << "imported " << imported << " areas, rejected " << rejected << "\n";
  return rejected == 0 ? 0 : 1;
}

}  // namespace burgernet::ctl
