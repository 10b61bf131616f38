// Fuzzes an action's `area` (circle, polygon as GeoJSON, municipality, corridor): the input is the area
// object, put into an otherwise valid POST /v1/actions body.
#include "burgernet/action/action_request.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place.
void check(const nlohmann::json& area) {
  static const config::Config config = [] {
    config::Config c;
    c.channels["sms"] = config::ChannelConfig{.name = "sms", .driver = "file"};
    return c;
  }();
  const nlohmann::json body = {{"kind", "urgent"},   {"category", "burglary"},
                               {"title", "Inbraak"}, {"message", "Verdachte gevlucht"},
                               {"area", area}};
  const auto request = action::parse_action_request(body, action::action_rules(config));
  const auto& a = request.area;
  switch (a.kind) {
    case action::AreaRequest::Kind::kCircle:
      fuzz::require(a.radius_m >= 50 && a.radius_m <= config.limits.max_radius_m, "a circle's radius is in bounds");
      break;
    case action::AreaRequest::Kind::kPolygon:
      // What is stored is what was checked: it must read back as the same GeoJSON.
      fuzz::require(nlohmann::json::parse(a.polygon_geojson) == area.at("polygon"), "the polygon is kept as sent");
      break;
    case action::AreaRequest::Kind::kMunicipality:
      fuzz::require(!a.municipality.empty(), "a municipality has a code");
      break;
    case action::AreaRequest::Kind::kCorridor:
      fuzz::require(a.width_m >= 50 && a.width_m <= 2 * config.limits.max_radius_m, "a corridor's width is in bounds");
      fuzz::require(nlohmann::json::parse(a.line_geojson) == area.at("corridor").at("line"), "the line is kept as sent");
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto area = burgernet::fuzz::as_json(burgernet::fuzz::as_text(data, size));
  if (!area) return 0;
  burgernet::fuzz::expect_refusal_at_most([&] { check(*area); });
  return 0;
}
