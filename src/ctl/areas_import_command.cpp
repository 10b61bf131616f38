// `burgernetctl areas import FILE.geojson`: municipality and police unit areas for actions.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "ctl/area_features.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

using nlohmann::json;

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
  if (!is_feature_collection(document)) {
    std::cerr << "burgernetctl: " << options.path << " is not a GeoJSON FeatureCollection\n";
    return 2;
  }
  db::Connection connection(config.database.url);
  int imported = 0, rejected = 0, repaired = 0;
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
          if (r.boolean(0, 2)) {
            ++repaired;
            std::cout << "feature " << i << " (" << properties["code"].get<std::string>()
                      << "): repaired: " << r.string(0, 1) << "\n";
          }
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
  std::cout << "imported " << imported << " areas (" << repaired << " repaired), rejected " << rejected << "\n";
  return rejected == 0 ? 0 : 1;
}

}  // namespace burgernet::ctl
