// Field-by-field validation of an action request (SPEC.md, "HTTP API" and "Selection rules").
#include "burgernet/action/action_request.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>

#include "burgernet/domain/errors.hpp"
#include "burgernet/message/utf8.hpp"

namespace burgernet::action {
namespace {

using nlohmann::json;

const std::set<std::string>& categories() {
  static const std::set<std::string> all = {"burglary", "missing_person", "amber_alert",   "street_robbery",
                                            "robbery",  "shoplifting",    "pickpocketing", "hit_and_run",
                                            "vehicle",  "witness_call",   "prevention",    "other"};
  return all;
}

double read_number(const json& object, const std::string& key, const std::string& field) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) throw InvalidField(field, "is required");
  if (!it->is_number()) throw InvalidField(field, "must be a number");
  const double value = it->get<double>();
  if (!std::isfinite(value)) throw InvalidField(field, "must be a finite number");
  return value;
}

void check_in_service_area(double lat, double lon, const config::ServiceArea& area,
                           const std::string& field) {
  if (lat < area.min_lat || lat > area.max_lat || lon < area.min_lon || lon > area.max_lon) {
    throw InvalidField(field, "lies outside the service area");
  }
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void read_polygon(const json& polygon, const ActionRules& rules, AreaRequest& area) {
  const std::string field = "area.polygon";
  if (!polygon.is_object()) throw InvalidField(field, "must be a GeoJSON Polygon object");
  reject_unknown_fields(polygon, field + ".", {"type", "coordinates"});
  if (!polygon.contains("type") || polygon["type"] != "Polygon")
    throw InvalidField(field + ".type", "must be \"Polygon\"");
  const auto it = polygon.find("coordinates");
  if (it == polygon.end() || !it->is_array() || it->empty()) {
    throw InvalidField(field + ".coordinates", "must be an array of linear rings");
  }
  std::int64_t vertices = 0;
  for (std::size_t r = 0; r < it->size(); ++r) {
    const auto& ring = (*it)[r];
    const std::string ring_field = field + ".coordinates[" + std::to_string(r) + "]";
    if (!ring.is_array() || ring.size() < 4)
      throw InvalidField(ring_field, "a ring needs at least 4 positions");
    for (std::size_t p = 0; p < ring.size(); ++p) {
      const auto& position = ring[p];
      const std::string point_field = ring_field + "[" + std::to_string(p) + "]";
      if (!position.is_array() || position.size() != 2 || !position[0].is_number() ||
          !position[1].is_number()) {
        throw InvalidField(point_field, "must be [lon, lat]");
      }
      const double lon = position[0].get<double>(), lat = position[1].get<double>();
      if (!std::isfinite(lon) || !std::isfinite(lat)) throw InvalidField(point_field, "must be finite numbers");
      check_in_service_area(lat, lon, rules.service_area, point_field);
    }
    if (ring.front() != ring.back())
      throw InvalidField(ring_field, "the ring is not closed (first position != last)");
    vertices += static_cast<std::int64_t>(ring.size()) - 1;
  }
  if (vertices > rules.max_vertices) {
    throw InvalidField(field, "has " + std::to_string(vertices) + " vertices, at most " +
                                std::to_string(rules.max_vertices) + " are allowed");
  }
  area.kind = AreaRequest::Kind::kPolygon;
  area.polygon_geojson = polygon.dump();
}

// A corridor: a road or a track, the line buffered by width_m / 2 on each side (in RD New, by
// the database). Its points as a polygon's: inside the service area, at most max_vertices.
void read_corridor(const json& corridor, const ActionRules& rules, AreaRequest& area) {
  const std::string field = "area.corridor";
  if (!corridor.is_object()) throw InvalidField(field, "must be an object {line, width_m}");
  reject_unknown_fields(corridor, field + ".", {"line", "width_m"});
  const std::string line_field = field + ".line";
  const auto line = corridor.find("line");
  if (line == corridor.end() || line->is_null()) throw InvalidField(line_field, "is required");
  if (!line->is_object()) throw InvalidField(line_field, "must be a GeoJSON LineString object");
  reject_unknown_fields(*line, line_field + ".", {"type", "coordinates"});
  if (!line->contains("type") || (*line)["type"] != "LineString")
    throw InvalidField(line_field + ".type", "must be \"LineString\"");
  const auto points = line->find("coordinates");
  if (points == line->end() || !points->is_array() || points->size() < 2) {
    throw InvalidField(line_field + ".coordinates", "must be an array of at least 2 positions");
  }
  if (static_cast<std::int64_t>(points->size()) > rules.max_vertices) {
    throw InvalidField(line_field, "has " + std::to_string(points->size()) + " points, at most " +
                                       std::to_string(rules.max_vertices) + " are allowed");
  }
  for (std::size_t p = 0; p < points->size(); ++p) {
    const auto& position = (*points)[p];
    const std::string point_field = line_field + ".coordinates[" + std::to_string(p) + "]";
    if (!position.is_array() || position.size() != 2 || !position[0].is_number() || !position[1].is_number()) {
      throw InvalidField(point_field, "must be [lon, lat]");
    }
    const double lon = position[0].get<double>(), lat = position[1].get<double>();
    if (!std::isfinite(lon) || !std::isfinite(lat)) throw InvalidField(point_field, "must be finite numbers");
    check_in_service_area(lat, lon, rules.service_area, point_field);
  }
  area.width_m = read_number(corridor, "width_m", field + ".width_m");
  if (area.width_m < 50 || area.width_m > rules.max_radius_m * 2) {
    char why[96];
    std::snprintf(why, sizeof why, "must be between 50 and %g", rules.max_radius_m * 2);
    throw InvalidField(field + ".width_m", why);
  }
  area.kind = AreaRequest::Kind::kCorridor;
  area.line_geojson = line->dump();
}

AreaRequest read_area(const json& body, const ActionRules& rules) {
  const auto it = body.find("area");
  if (it == body.end() || it->is_null()) throw InvalidField("area", "is required");
  if (!it->is_object() || it->size() != 1) {
    throw InvalidField("area", "must be an object with exactly one of circle, polygon, municipality, corridor");
  }
  AreaRequest area;
  const std::string form = it->begin().key();
  const json& value = it->begin().value();
  if (form == "circle") {
    if (!value.is_object()) throw InvalidField("area.circle", "must be an object {lat, lon, radius_m}");
    reject_unknown_fields(value, "area.circle.", {"lat", "lon", "radius_m"});
    area.kind = AreaRequest::Kind::kCircle;
    area.lat = read_number(value, "lat", "area.circle.lat");
    area.lon = read_number(value, "lon", "area.circle.lon");
    area.radius_m = read_number(value, "radius_m", "area.circle.radius_m");
    const auto& s = rules.service_area;
    if (area.lat < s.min_lat || area.lat > s.max_lat)
      throw InvalidField("area.circle.lat", "lies outside the service area");
    if (area.lon < s.min_lon || area.lon > s.max_lon)
      throw InvalidField("area.circle.lon", "lies outside the service area");
    if (area.radius_m < 50 || area.radius_m > rules.max_radius_m) {
      char why[96];
      std::snprintf(why, sizeof why, "must be between 50 and %g", rules.max_radius_m);
      throw InvalidField("area.circle.radius_m", why);
    }
  } else if (form == "polygon") {
    read_polygon(value, rules, area);
  } else if (form == "municipality") {
    if (!value.is_string()) throw InvalidField("area.municipality", "must be a string such as \"GM0363\"");
    area.municipality = value.get<std::string>();
    static const std::regex code(R"([A-Za-z0-9_-]{1,32})");
    if (!std::regex_match(area.municipality, code))
      throw InvalidField("area.municipality", "is not an area code");
    area.kind = AreaRequest::Kind::kMunicipality;
  } else if (form == "corridor") {
    read_corridor(value, rules, area);
  } else {
    throw InvalidField("area." + form, "unknown area form; use circle, polygon, municipality or corridor");
  }
  return area;
}

std::vector<std::string> read_channels(const json& body, const ActionRules& rules) {
  std::vector<std::string> channels;
  const auto it = body.find("channels");
  if (it == body.end() || it->is_null()) {
    return rules.channels;
  }
  if (!it->is_array() || it->empty())
    throw InvalidField("channels", "must be a non-empty array of channel names");
  std::set<std::string> configured;
  configured.insert(rules.channels.begin(), rules.channels.end());
  for (const auto& c : *it) {
    if (!c.is_string()) throw InvalidField("channels", "must contain channel names");
    const auto name = c.get<std::string>();
    if (!configured.contains(name)) {
      throw InvalidField("channels", "\"" + name + "\" is not a configured channel (" + join(configured) + ")");
    }
    if (std::find(channels.begin(), channels.end(), name) != channels.end()) {
      throw InvalidField("channels", "\"" + name + "\" is named twice");
    }
    channels.push_back(name);
  }
  return channels;
}

// ISO 8601 with an explicit offset: 2026-11-28T18:00:00+01:00 or ...Z. The database parses
// the instant; this only makes sure nothing looser (a bare date, a local time) gets through.
bool is_iso8601_with_offset(const std::string& text) {
  static const std::regex pattern(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))");
  return std::regex_match(text, pattern);
}

}  // namespace

const char* AreaRequest::kind_name() const {
  switch (kind) {
    case Kind::kCircle:
      return "circle";
    case Kind::kPolygon:
      return "polygon";
    case Kind::kMunicipality:
      return "municipality";
    case Kind::kCorridor:
      return "corridor";
  }
  return "circle";
}

AreaRequest parse_area(const json& body, const ActionRules& rules) { return read_area(body, rules); }

std::string read_text(const json& body, const std::string& field, std::size_t max) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) throw InvalidField(field, "is required");
  if (!it->is_string()) throw InvalidField(field, "must be a string");
  auto text = it->get<std::string>();
  if (!message::is_valid_utf8(text)) throw InvalidField(field, "is not valid UTF-8");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw InvalidField(field, "must not be empty");
  if (message::decode_utf8(text).size() > max) {
    throw InvalidField(field, "is longer than " + std::to_string(max) + " characters");
  }
  return text;
}

ActionRequest parse_action_request(const json& body, const ActionRules& rules) {
  reject_unknown_fields(body, "",
                        {"kind", "category", "title", "message", "area", "channels", "send_at",
                         "expires_in_s", "dry_run", "estimate_only", "confirm_recipients"});
  ActionRequest request;

  const auto kind = body.find("kind");
  if (kind == body.end() || kind->is_null()) throw InvalidField("kind", "is required");
  if (!kind->is_string() || (*kind != "urgent" && *kind != "alert")) {
    throw InvalidField("kind", "must be \"urgent\" or \"alert\"");
  }
  request.kind = kind->get<std::string>();

  const auto category = body.find("category");
  if (category == body.end() || category->is_null()) throw InvalidField("category", "is required");
  if (!category->is_string() || !categories().contains(category->get<std::string>())) {
    throw InvalidField("category", "must be one of " + join(categories()));
  }
  request.category = category->get<std::string>();

  request.title = read_text(body, "title", kMaxTitleLength);
  request.message = read_text(body, "message", kMaxMessageLength);
  request.area = read_area(body, rules);
  request.area_json = body.at("area");
  request.channels = read_channels(body, rules);
  request.channels_named = body.contains("channels") && !body.at("channels").is_null();

  if (const auto it = body.find("send_at"); it != body.end() && !it->is_null()) {
    if (request.kind != "alert") throw InvalidField("send_at", "only alerts can be scheduled");
    if (!it->is_string() || !is_iso8601_with_offset(it->get<std::string>())) {
      throw InvalidField("send_at",
                       "must be an ISO 8601 date and time with an offset, e.g. 2026-11-28T18:00:00+01:00");
    }
    request.send_at = it->get<std::string>();
  }

  request.expires_in_s = request.kind == "urgent" ? rules.urgent_expiry.count()
                                                  : rules.alert_expiry.count();
  if (const auto it = body.find("expires_in_s"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < kMinExpiresInS ||
        it->get<std::int64_t>() > kMaxExpiresInS) {
      throw InvalidField("expires_in_s", "must be a whole number of seconds between " +
                                           std::to_string(kMinExpiresInS) + " and " +
                                           std::to_string(kMaxExpiresInS));
    }
    request.expires_in_s = it->get<std::int64_t>();
  }

  if (const auto it = body.find("dry_run"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) throw InvalidField("dry_run", "must be true or false");
    request.dry_run = it->get<bool>();
  }
  if (const auto it = body.find("estimate_only"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) throw InvalidField("estimate_only", "must be true or false");
    request.estimate_only = it->get<bool>();
    if (request.estimate_only && !request.dry_run) throw InvalidField("estimate_only", "needs \"dry_run\": true");
  }
  if (const auto it = body.find("confirm_recipients"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
      throw InvalidField("confirm_recipients", "must be a whole number, the recipient count you confirm");
    }
    request.confirm_recipients = it->get<std::int64_t>();
  }
  return request;
}

bool is_category(const std::string& text) { return categories().contains(text); }

std::string category_choices() { return "must be one of " + join(categories()); }

}  // namespace burgernet::action
