// CAP 1.2 out: an action's messages as CAP <alert> documents and the public Atom feed of them
// (docs/cap.md). The writers are pure functions of plain values, so tests feed them directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace burgernet::cap {

// An instant in whole seconds and the Europe/Amsterdam offset in force at it (from PostgreSQL:
// g++ 12 has no time zone database). CAP wants local time with an offset, never "Z".
struct CapTime {
  std::int64_t epoch_s = 0;
  int offset_s = 0;
};

// "2026-07-01T14:00:00+02:00".
std::string format_cap_time(CapTime time);

struct LatLon {
  double lat = 0, lon = 0;
};

// Where a message applies, in WGS 84. CAP writes every point as "lat,lon" (not GeoJSON's order).
struct CapArea {
  struct Circle {
    LatLon centre;
    double radius_m = 0;
  };
  std::optional<Circle> circle;
  std::vector<std::vector<LatLon>> polygons;     // closed rings, one per part of the area
  std::optional<std::string> municipality_code;  // CBS code, "GM0363"
  std::optional<std::string> municipality_name;
};

// The outer rings of a GeoJSON Polygon or MultiPolygon ([lon, lat] pairs), one per part; holes
// are left out (a CAP polygon cannot have one, and the outer ring covers it). Rings of fewer
// than four points are dropped.
std::vector<std::vector<LatLon>> polygon_rings(std::string_view geojson);

struct CapReference {
  std::string identifier;
  CapTime sent;
};

// One message of an action (its first message, an update or its closing) as CAP sees it.
struct CapMessage {
  std::string action_id;
  std::int64_t message_id = 0;  // action_messages.id
  int sequence = 1;             // 1 the action's own message, then each update and the closing
  std::string message_kind;     // action | update | closing
  std::string action_kind;      // urgent | alert
  std::string category;         // actions.category
  std::string title;            // the action's
  std::string text;             // this message's operator text
  CapTime sent;
  std::optional<CapTime> expires;
  CapArea area;
  std::vector<CapReference> earlier;  // the action's earlier messages, oldest first
};

// The CAP identifier of a message: "urn:uuid:<action id>" for the action's own message, and a
// name-based (version 5) UUID of the action id and the message's database id for the others,
// so that the same message always has the same identifier.
std::string message_identifier(std::string_view action_id, std::string_view message_kind,
                               std::int64_t message_id);

// A version 5 UUID (RFC 9562) of `name` in the namespace `namespace_uuid` (canonical form).
std::string name_based_uuid(std::string_view namespace_uuid, std::string_view name);

// How a message is classified in CAP, from the action's kind and category (docs/cap.md has the
// table). Values are CAP 1.2's own enumerations.
struct CapClassification {
  std::string msg_type;       // Alert | Update | Cancel
  std::string cap_category;   // Security | Rescue | ...
  std::string urgency;        // Immediate | Expected | Future | Past
  std::string severity;       // Severe | Moderate | Minor
  std::string certainty;      // Observed | Likely | Possible
  std::string response_type;  // Monitor | Prepare | AllClear
};
CapClassification classify(std::string_view message_kind, std::string_view action_kind,
                           std::string_view category);

// The whole <alert> document, with the XML declaration. `sender` is config cap.sender.
std::string write_cap_alert(const CapMessage& message, const std::string& sender);

// The Atom feed (RFC 4287) of `messages` (newest first), each entry carrying its CAP alert and
// a link to GET /v1/actions/{id}/cap?message=<sequence>. `updated`: the time the feed was made,
// used when it has no entries.
std::string write_cap_feed(const std::vector<CapMessage>& messages, const std::string& sender,
                           CapTime updated);

}  // namespace burgernet::cap
