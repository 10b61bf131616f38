// CAP 1.2 over libxml2, for documents from outside: the parser loads no DTD, substitutes no
// entity, opens no network or file, and stops at a DOCTYPE (XXE, billion laughs).
#include "cap/cap_reader.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <new>
#include <set>

#include "burgernet/domain/errors.hpp"

namespace burgernet::cap {
namespace {

// The DOCTYPE seen by the parser running on this thread (libxml2 calls back on the caller's).
thread_local bool doctype_seen = false;

// SAX callback at "<!DOCTYPE name ...", before its internal subset is read: no entity of it is
// declared yet, and the parser stops here, so a DTD never costs time or reads a file.
void refuse_doctype(void* context, const xmlChar*, const xmlChar*, const xmlChar*) {
  doctype_seen = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(context));
}

struct FreeContext {
  void operator()(xmlParserCtxtPtr c) const { xmlFreeParserCtxt(c); }
};
struct FreeDoc {
  void operator()(xmlDocPtr d) const { xmlFreeDoc(d); }
};

constexpr std::size_t kMaxIdLength = 255;

bool is_cap(const xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr && node->ns->href != nullptr &&
         kCapNamespace == reinterpret_cast<const char*>(node->ns->href) &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::vector<const xmlNode*> children(const xmlNode* parent, const char* name) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (is_cap(c, name)) found.push_back(c);
  }
  return found;
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string text_of(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return trimmed(std::move(text));
}

std::optional<std::string> optional_text(const xmlNode* parent, const char* name, const std::string& path) {
  const auto found = children(parent, name);
  if (found.empty()) return std::nullopt;
  if (found.size() > 1) throw InvalidField(path + "." + name, "appears more than once");
  return text_of(found.front());
}

std::string required_text(const xmlNode* parent, const char* name, const std::string& path) {
  auto text = optional_text(parent, name, path);
  if (!text) throw InvalidField(path + "." + name, "is required");
  if (text->empty()) throw InvalidField(path + "." + name, "must not be empty");
  return *text;
}

std::string one_of(const xmlNode* parent, const char* name, const std::string& path,
                   const std::set<std::string>& choices) {
  auto text = required_text(parent, name, path);
  if (!choices.contains(text)) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    throw InvalidField(path + "." + name, "must be one of " + list);
  }
  return text;
}

// CAP: "MUST NOT include spaces, commas or restricted characters (< and &)".
std::string cap_id(const xmlNode* parent, const char* name, const std::string& path) {
  auto text = required_text(parent, name, path);
  if (text.size() > kMaxIdLength)
    throw InvalidField(path + "." + name, "is longer than " + std::to_string(kMaxIdLength) + " bytes");
  if (text.find_first_of(" \t\r\n,<&") != std::string::npos) {
    throw InvalidField(path + "." + name, "must not contain spaces, commas, < or &");
  }
  return text;
}

std::string cap_time(const xmlNode* parent, const char* name, const std::string& path) {
  auto text = required_text(parent, name, path);
  if (!parse_cap_time(text))
    throw InvalidField(path + "." + name, "must be a CAP dateTime such as 2026-12-01T12:00:00+01:00");
  return text;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = text.find_first_not_of(" \t\r\n", at)) != std::string::npos) {
    const auto end = text.find_first_of(" \t\r\n", at);
    out.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    at = end;
  }
  return out;
}

std::optional<double> number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars also reads "nan" and "inf", which no coordinate or radius is.
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// "lat,lon" (WGS 84, as CAP writes it: latitude first).
std::optional<Point> point(std::string_view pair) {
  const auto comma = pair.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto lat = number(pair.substr(0, comma)), lon = number(pair.substr(comma + 1));
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) return std::nullopt;
  return Point{*lat, *lon};
}

std::vector<Point> read_polygon(const xmlNode* node, const std::string& path) {
  std::vector<Point> points;
  for (const auto& pair : words(text_of(node))) {
    const auto p = point(pair);
    if (!p) {
      throw InvalidField(
          path, "point " + std::to_string(points.size() + 1) + " is not \"lat,lon\" in degrees (WGS 84)");
    }
    points.push_back(*p);
  }
  if (points.size() < 4)
    throw InvalidField(path, "needs at least 4 points \"lat,lon\", the first repeated last");
  if (points.front().lat != points.back().lat || points.front().lon != points.back().lon) {
    throw InvalidField(path, "is not closed: the last point must repeat the first");
  }
  return points;
}

Circle read_circle(const xmlNode* node, const std::string& path) {
  const auto parts = words(text_of(node));
  const auto centre = parts.size() == 2 ? point(parts[0]) : std::nullopt;
  const auto radius = parts.size() == 2 ? number(parts[1]) : std::nullopt;
  if (!centre || !radius || *radius < 0) {
    throw InvalidField(path, "must be \"lat,lon radius\" (degrees WGS 84, radius in kilometres)");
  }
  return Circle{*centre, *radius};
}

NamedValue read_named_value(const xmlNode* node, const std::string& path) {
  return {required_text(node, "valueName", path), required_text(node, "value", path)};
}

Area read_area(const xmlNode* node, const std::string& path) {
  Area area;
  area.description = required_text(node, "areaDesc", path);
  const auto polygons = children(node, "polygon");
  for (std::size_t i = 0; i < polygons.size(); ++i)
    area.polygons.push_back(read_polygon(polygons[i], path + ".polygon[" + std::to_string(i) + "]"));
  const auto circles = children(node, "circle");
  for (std::size_t i = 0; i < circles.size(); ++i)
    area.circles.push_back(read_circle(circles[i], path + ".circle[" + std::to_string(i) + "]"));
  const auto geocodes = children(node, "geocode");
  for (std::size_t i = 0; i < geocodes.size(); ++i)
    area.geocodes.push_back(read_named_value(geocodes[i], path + ".geocode[" + std::to_string(i) + "]"));
  return area;
}

Info read_info(const xmlNode* node, const std::string& path) {
  static const std::set<std::string> kCategories = {"Geo",       "Met",   "Safety", "Security",
                                                    "Rescue",    "Fire",  "Health", "Env",
                                                    "Transport", "Infra", "CBRNE",  "Other"};
  Info info;
  if (auto language = optional_text(node, "language", path); language && !language->empty())
    info.language = *language;
  const auto categories = children(node, "category");
  if (categories.empty()) throw InvalidField(path + ".category", "is required");
  for (const auto* c : categories) {
    auto text = text_of(c);
    if (!kCategories.contains(text)) throw InvalidField(path + ".category", "is not a CAP 1.2 category");
    info.categories.push_back(std::move(text));
  }
  info.event = required_text(node, "event", path);
  info.urgency = one_of(node, "urgency", path, {"Immediate", "Expected", "Future", "Past", "Unknown"});
  info.severity = one_of(node, "severity", path, {"Extreme", "Severe", "Moderate", "Minor", "Unknown"});
  info.certainty = one_of(node, "certainty", path, {"Observed", "Likely", "Possible", "Unlikely", "Unknown"});
  const auto codes = children(node, "eventCode");
  for (std::size_t i = 0; i < codes.size(); ++i)
    info.event_codes.push_back(read_named_value(codes[i], path + ".eventCode[" + std::to_string(i) + "]"));
  if (!children(node, "expires").empty()) info.expires = cap_time(node, "expires", path);
  info.headline = optional_text(node, "headline", path).value_or("");
  info.description = optional_text(node, "description", path).value_or("");
  info.instruction = optional_text(node, "instruction", path).value_or("");
  const auto areas = children(node, "area");
  for (std::size_t i = 0; i < areas.size(); ++i)
    info.areas.push_back(read_area(areas[i], path + ".area[" + std::to_string(i) + "]"));
  return info;
}

std::vector<Reference> read_references(const std::string& text) {
  std::vector<Reference> references;
  for (const auto& entry : words(text)) {
    const auto first = entry.find(','),
               second = entry.find(',', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos ||
        entry.find(',', second + 1) != std::string::npos || first == 0 || second == first + 1 ||
        second + 1 == entry.size()) {
      throw InvalidField("alert.references", "each entry must be \"sender,identifier,sent\"");
    }
    references.push_back(
        {entry.substr(0, first), entry.substr(first + 1, second - first - 1), entry.substr(second + 1)});
  }
  return references;
}

xmlDocPtr parse(std::string_view xml, xmlParserCtxtPtr context) {
  context->sax->internalSubset = refuse_doctype;
  context->sax->externalSubset = refuse_doctype;
  doctype_seen = false;
  // Not XML_PARSE_NOENT (no substitution), DTDLOAD, DTDATTR, XINCLUDE or HUGE (libxml2's
  // depth and size limits stay); NOERROR/NOWARNING: errors come back to us, not to stderr.
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  return xmlCtxtReadMemory(context, xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, kOptions);
}

std::string parser_error(xmlParserCtxtPtr context) {
  const xmlError* error = xmlCtxtGetLastError(context);
  if (error == nullptr || error->message == nullptr) return "is not well-formed XML";
  return "is not well-formed XML: line " + std::to_string(error->line) + ": " + trimmed(error->message);
}

}  // namespace

Alert read_alert(std::string_view xml) {
  if (xml.size() > kMaxCapBytes) {
    throw InvalidField("body", "is larger than " + std::to_string(kMaxCapBytes) + " bytes");
  }
  static std::once_flag initialized;
  std::call_once(initialized, [] { xmlInitParser(); });

  std::unique_ptr<xmlParserCtxt, FreeContext> context(xmlNewParserCtxt());
  if (!context) throw std::bad_alloc();
  std::unique_ptr<xmlDoc, FreeDoc> doc(parse(xml, context.get()));
  if (doctype_seen || (doc && doc->intSubset != nullptr)) {
    throw InvalidField("body", "has a DOCTYPE; a CAP alert needs none, and DTDs and entities are refused");
  }
  if (!doc || !context->wellFormed) throw InvalidField("body", parser_error(context.get()));

  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || !is_cap(root, "alert")) {
    throw InvalidField("alert",
                       "the root element must be <alert> in the namespace " + std::string(kCapNamespace));
  }
  const std::string path = "alert";
  Alert alert;
  alert.identifier = cap_id(root, "identifier", path);
  alert.sender = cap_id(root, "sender", path);
  alert.sent = cap_time(root, "sent", path);
  alert.status = one_of(root, "status", path, {"Actual", "Exercise", "System", "Test", "Draft"});
  alert.msg_type = one_of(root, "msgType", path, {"Alert", "Update", "Cancel", "Ack", "Error"});
  alert.scope = one_of(root, "scope", path, {"Public", "Restricted", "Private"});
  alert.note = optional_text(root, "note", path).value_or("");
  alert.references = read_references(optional_text(root, "references", path).value_or(""));
  const auto infos = children(root, "info");
  for (std::size_t i = 0; i < infos.size(); ++i)
    alert.infos.push_back(read_info(infos[i], path + ".info[" + std::to_string(i) + "]"));
  return alert;
}

std::optional<long long> parse_cap_time(std::string_view t) {
  // YYYY-MM-DDThh:mm:ss, optional fraction, then Z or +hh:mm / -hh:mm.
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > t.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      value = value * 10 + (t[i] - '0');
    }
    return value;
  };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t at = 19;
  if (at < t.size() && t[at] == '.') {
    ++at;
    const auto start = at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
    if (at == start) return std::nullopt;
  }
  int offset_s = 0;
  if (at < t.size() && t[at] == 'Z') {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-') && at + 6 == t.size() && t[at + 3] == ':') {
    const auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = (t[at] == '-' ? -1 : 1) * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != t.size()) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1] || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  // Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil).
  const int y = *year - (*month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (*month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + *day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long long days = static_cast<long long>(era) * 146097 + doe - 719468;
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_s;
}

}  // namespace burgernet::cap
