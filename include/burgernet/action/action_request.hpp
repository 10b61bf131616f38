// What a POST /v1/actions asks for, read and checked field by field before anything is stored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/action/action_settings.hpp"
#include "burgernet/domain/json_fields.hpp"

namespace burgernet::action {

// The area in one of its four forms; the database turns it into one RD New geometry.
struct AreaRequest {
  enum class Kind { kCircle, kPolygon, kMunicipality, kCorridor };
  Kind kind = Kind::kCircle;
  double lat = 0, lon = 0, radius_m = 0;  // circle
  std::string polygon_geojson;            // polygon, as sent (checked)
  std::string municipality;               // municipality code
  std::string line_geojson;               // corridor: its LineString, as sent (checked)
  double width_m = 0;                     // corridor: the full width, width_m / 2 on each side
  const char* kind_name() const;
};

struct ActionRequest {
  std::string kind;  // urgent | alert
  std::string category;
  std::string title;
  std::string message;
  AreaRequest area;
  nlohmann::json area_json;            // the area object as sent, kept on the action
  std::vector<std::string> channels;   // defaults to every configured channel
  bool channels_named = false;         // the request chose them (else the default above)
  std::optional<std::string> send_at;  // ISO 8601 with offset; alerts only
  std::int64_t expires_in_s = 0;       // defaults by kind (queue.default_*_expiry_s)
  bool dry_run = false;
  bool estimate_only = false;  // a dry run answering the grid's estimate only (milliseconds)
  std::optional<std::int64_t> confirm_recipients;
};

inline constexpr std::size_t kMaxTitleLength = 120;     // code points
inline constexpr std::size_t kMaxMessageLength = 1000;  // code points
inline constexpr std::int64_t kMinExpiresInS = 60;
inline constexpr std::int64_t kMaxExpiresInS = 30 * 86400;

// Reads the body of POST /v1/actions; throws InvalidField naming the first bad field
// ("area.circle.radius_m"). Checks everything that needs no database.
ActionRequest parse_action_request(const nlohmann::json& body, const ActionRules& rules);

// Reads body["area"] (required) in any of its forms, as parse_action_request does; an update's
// area too. Throws InvalidField naming the bad field ("area.corridor.width_m").
AreaRequest parse_area(const nlohmann::json& body, const ActionRules& rules);

// A text field of a follow-up or closing: present, a string, not blank, at most `max` code points.
std::string read_text(const nlohmann::json& body, const std::string& field, std::size_t max);

// Whether `text` is one of SPEC.md's categories; `category_choices()`: them all, for a 400.
bool is_category(const std::string& text);
std::string category_choices();

}  // namespace burgernet::action
