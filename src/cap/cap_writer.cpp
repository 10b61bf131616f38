// One action message as a CAP 1.2 <alert>: identity and references, then one <info> per
// language (nl-NL, en-US) with the same area (docs/cap.md).
#include "cap/cap_writer.hpp"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "burgernet/message/templates.hpp"

namespace burgernet::cap {

namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string_view category_name(const message::LanguageTemplates& t, std::string_view category) {
  for (const auto& entry : t.categories) {
    if (entry.category == category) return entry.name;
  }
  return t.categories.back().name;  // "other"
}

std::string_view lead_of(const message::LanguageTemplates& t, const CapMessage& m) {
  if (m.message_kind == "update") return t.lead_update;
  if (m.message_kind == "closing") return t.lead_closing;
  return m.action_kind == "urgent" ? t.lead_urgent : t.lead_alert;
}

// "52.373100,4.892600": CAP's order, latitude first. Six decimals: about 10 cm.
std::string point(LatLon p) {
  char out[64];
  std::snprintf(out, sizeof out, "%.6f,%.6f", p.lat, p.lon);
  return out;
}

std::string circle_text(const CapArea::Circle& c) {
  char radius[32];
  std::snprintf(radius, sizeof radius, "%.3f", c.radius_m / 1000.0);
  return point(c.centre) + " " + radius;
}

std::string polygon_text(const std::vector<LatLon>& ring) {
  std::string out;
  for (const auto& p : ring) {
    if (!out.empty()) out += ' ';
    out += point(p);
  }
  return out;
}

std::string area_description(const CapArea& area, bool dutch) {
  if (area.municipality_name || area.municipality_code) {
    const std::string name = area.municipality_name.value_or(area.municipality_code.value_or(""));
    return (dutch ? "Gemeente " : "Municipality of ") + name;
  }
  if (area.circle) {
    const auto metres = std::to_string(static_cast<long long>(area.circle->radius_m + 0.5));
    return dutch ? "Cirkel met een straal van " + metres + " m" : "Circle with a radius of " + metres + " m";
  }
  return dutch ? "Gebied op de kaart" : "Area on the map";
}

void write_area(XmlWriter& xml, const CapArea& area, bool dutch) {
  xml.open("area");
  xml.element("areaDesc", area_description(area, dutch));
  for (const auto& ring : area.polygons) xml.element("polygon", polygon_text(ring));
  if (area.circle) xml.element("circle", circle_text(*area.circle));
  if (area.municipality_code) {
    xml.open("geocode");
    xml.element("valueName", "CBS");
    xml.element("value", *area.municipality_code);
    xml.close();
  }
  xml.close();
}

void write_info(XmlWriter& xml, const CapMessage& m, const CapClassification& c, std::string_view language) {
  const auto& t = message::templates_for(language);
  const bool dutch = language != "en";
  xml.open("info");
  xml.element("language", dutch ? "nl-NL" : "en-US");
  xml.element("category", c.cap_category);
  xml.element("event", category_name(t, m.category));
  xml.element("responseType", c.response_type);
  xml.element("urgency", c.urgency);
  xml.element("severity", c.severity);
  xml.element("certainty", c.certainty);
  xml.open("eventCode");
  xml.element("valueName", "burgernet:category");
  xml.element("value", m.category);
  xml.close();
  if (m.expires && c.msg_type != "Cancel") xml.element("expires", format_cap_time(*m.expires));
  xml.element("senderName", "Burgernet");
  xml.element("headline", cap_headline(m, language));
  xml.element("description", m.text);
  write_area(xml, m.area, dutch);
  xml.close();
}

}  // namespace

std::string format_cap_time(CapTime time) {
  const std::time_t local = static_cast<std::time_t>(time.epoch_s + time.offset_s);
  std::tm tm{};
  gmtime_r(&local, &tm);
  char out[96];  // room for any int fields, so that -Wformat-truncation has nothing to say
  const int offset = time.offset_s < 0 ? -time.offset_s : time.offset_s;
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, time.offset_s < 0 ? '-' : '+', offset / 3600,
                offset % 3600 / 60);
  return out;
}

std::vector<std::vector<LatLon>> polygon_rings(std::string_view geojson) {
  std::vector<std::vector<LatLon>> rings;
  const auto document = nlohmann::json::parse(geojson, nullptr, false);
  if (!document.is_object() || !document.contains("coordinates")) return rings;
  const auto& type = document.value("type", "");
  std::vector<const nlohmann::json*> parts;
  if (type == "Polygon") parts.push_back(&document["coordinates"]);
  if (type == "MultiPolygon") {
    for (const auto& polygon : document["coordinates"]) parts.push_back(&polygon);
  }
  for (const auto* part : parts) {
    if (!part->is_array() || part->empty() || !(*part)[0].is_array()) continue;
    std::vector<LatLon> ring;
    for (const auto& position : (*part)[0]) {
      if (!position.is_array() || position.size() < 2 || !position[0].is_number() || !position[1].is_number())
        continue;
      ring.push_back({position[1].get<double>(), position[0].get<double>()});
    }
    if (ring.size() >= 4) rings.push_back(std::move(ring));
  }
  return rings;
}

std::string cap_headline(const CapMessage& m, std::string_view language) {
  const auto& t = message::templates_for(language);
  const auto lead = replace_all(std::string(lead_of(t, m)), "{what}", category_name(t, m.category));
  return replace_all(replace_all(std::string(t.forms.email_subject), "{lead}", lead), "{title}", m.title);
}

void write_alert_element(XmlWriter& xml, const CapMessage& m, const std::string& sender) {
  const auto c = classify(m.message_kind, m.action_kind, m.category);
  xml.open("alert", {{"xmlns", kCapNamespace}});
  xml.element("identifier", message_identifier(m.action_id, m.message_kind, m.message_id));
  xml.element("sender", sender);
  xml.element("sent", format_cap_time(m.sent));
  xml.element("status", "Actual");
  xml.element("msgType", c.msg_type);
  xml.element("scope", "Public");
  if (!m.earlier.empty()) {
    std::string references;
    for (const auto& earlier : m.earlier) {
      if (!references.empty()) references += ' ';
      references += sender + "," + earlier.identifier + "," + format_cap_time(earlier.sent);
    }
    xml.element("references", references);
  }
  // Every message of one action is one incident: the action's own identifier names it.
  xml.element("incidents", message_identifier(m.action_id, "action", 0));
  write_info(xml, m, c, "nl");
  write_info(xml, m, c, "en");
  xml.close();
}

std::string write_cap_alert(const CapMessage& message, const std::string& sender) {
  XmlWriter xml;
  write_alert_element(xml, message, sender);
  return xml.finish();
}

}  // namespace burgernet::cap
