// Reads a CAP 1.2 alert (OASIS Common Alerting Protocol) from untrusted XML into plain structs:
// no DTD, no entity, no network; only the elements POST /v1/cap uses, each checked.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace burgernet::cap {

inline constexpr std::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";
// A CAP alert with a 1000-vertex polygon is about 30 KiB; a larger body is answered 413.
inline constexpr std::size_t kMaxCapBytes = 256 * 1024;

struct Point {
  double lat = 0, lon = 0;
};

struct Circle {
  Point centre;
  double radius_km = 0;
};

// A CAP <parameter>, <eventCode> or <geocode>: a valueName and its value.
struct NamedValue {
  std::string name, value;
};

struct Area {
  std::string description;                   // areaDesc
  std::vector<std::vector<Point>> polygons;  // each closed: first point == last
  std::vector<Circle> circles;
  std::vector<NamedValue> geocodes;
};

struct Info {
  std::string language = "en-US";  // CAP's default when <language> is absent
  std::vector<std::string> categories;
  std::string event, urgency, severity, certainty;
  std::vector<NamedValue> event_codes;
  std::optional<std::string> expires;  // CAP dateTime, as written
  std::string headline, description, instruction;
  std::vector<Area> areas;
};

// One entry of <references>: "sender,identifier,sent".
struct Reference {
  std::string sender, identifier, sent;
};

struct Alert {
  std::string identifier, sender, sent, status, msg_type, scope;
  std::string note;
  std::vector<Reference> references;
  std::vector<Info> infos;
};

// Parses `xml` as a CAP 1.2 alert. Throws InvalidField naming the element and why:
// ("body", "is not well-formed XML: line 3: ..."), ("body", "has a DOCTYPE ..."),
// ("alert.msgType", "must be one of ..."), ("alert.info[0].area[0].circle[0]", "...").
// A document with a DOCTYPE is refused as soon as the parser meets it, before any entity is
// declared, so nothing named in it is read and nothing is expanded.
Alert read_alert(std::string_view xml);

// The seconds since the epoch of a CAP dateTime ("2026-12-01T12:00:00+01:00", "-00:00" for
// UTC); nullopt when it is not one.
std::optional<long long> parse_cap_time(std::string_view text);

}  // namespace burgernet::cap
