// Fuzzes the GeoJSON reader of `burgernetctl areas import`: the document check and each
// feature's shape check, as run_areas_import applies them before the database sees a feature.
#include "ctl/area_features.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place.
void check(const nlohmann::json& document) {
  if (ctl::is_feature_collection(document)) {
    for (const auto& feature : document["features"]) {
      if (!ctl::check_feature(feature).empty()) continue;
      // What run_areas_import reads from a feature that passed.
      const auto& properties = feature["properties"];
      properties["code"].get<std::string>();
      properties["name"].get<std::string>();
      feature["geometry"].dump();
    }
  }
  // A single feature too: the corpus's features mutate faster on their own.
  ctl::check_feature(document);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto document = burgernet::fuzz::as_json(burgernet::fuzz::as_text(data, size));
  if (!document) return 0;
  burgernet::fuzz::expect_refusal_at_most([&] { check(*document); });
  return 0;
}
