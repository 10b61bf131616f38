// CAP 1.2 → a POST /v1/actions body: <info> by language, kind and category from urgency,
// severity and event, the area from one circle, polygon or CBS municipality geocode.
#include "cap/cap_import.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>
#include <vector>

#include "burgernet/action/action_request.hpp"
#include "burgernet/message/utf8.hpp"

namespace burgernet::cap {
namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool starts_with_nl(const std::string& language) {
  const auto l = lower(language);
  return l == "nl" || l.starts_with("nl-");
}

// Words of <event> (Dutch and English, lower case) and the category they mean; the first
// match wins, so the more specific come first (an AMBER Alert is about a missing child, a
// street robbery is a robbery).
const std::vector<std::pair<const char*, const char*>>& event_words() {
  static const std::vector<std::pair<const char*, const char*>> words = {
      {"amber", "amber_alert"},
      {"vermis", "missing_person"},
      {"missing", "missing_person"},
      {"straatroof", "street_robbery"},
      {"street robbery", "street_robbery"},
      {"overval", "robbery"},
      {"robbery", "robbery"},
      {"winkeldiefstal", "shoplifting"},
      {"shoplifting", "shoplifting"},
      {"zakkenrol", "pickpocketing"},
      {"pickpocket", "pickpocketing"},
      {"doorrij", "hit_and_run"},
      {"hit and run", "hit_and_run"},
      {"hit-and-run", "hit_and_run"},
      {"inbraak", "burglary"},
      {"inbrek", "burglary"},
      {"burglary", "burglary"},
      {"voertuig", "vehicle"},
      {"kenteken", "vehicle"},
      {"vehicle", "vehicle"},
      {"getuige", "witness_call"},
      {"witness", "witness_call"},
      {"preventie", "prevention"},
      {"prevention", "prevention"},
  };
  return words;
}

// A CBS municipality code in a <geocode>: valueName "CBS" or "gemeentecode" (any case, with or
// without a "CBS_" prefix), value "GM0363" or "0363".
std::optional<std::string> municipality_code(const NamedValue& geocode) {
  const auto name = lower(geocode.name);
  if (name != "cbs" && name != "gemeentecode" && name != "cbs_gemeentecode") return std::nullopt;
  const auto& value = geocode.value;
  const bool prefixed = value.size() == 6 && (value.starts_with("GM") || value.starts_with("gm"));
  const std::string digits = prefixed ? value.substr(2) : value;
  if (digits.empty() || digits.size() > 4 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return "GM" + std::string(4 - digits.size(), '0') + digits;
}

// One shape of the chosen <info>: CAP means the union of all its areas' shapes, which one
// action cannot hold, so more than one is refused rather than silently narrowed.
json area_of(const Info& info, const std::string& info_path, std::string& area_path) {
  struct Shape {
    std::string path;
    json area;
  };
  std::vector<Shape> shapes, municipalities;
  for (std::size_t a = 0; a < info.areas.size(); ++a) {
    const auto& area = info.areas[a];
    const std::string path = info_path + ".area[" + std::to_string(a) + "]";
    for (std::size_t i = 0; i < area.circles.size(); ++i) {
      const auto& c = area.circles[i];
      shapes.push_back(
          {path + ".circle[" + std::to_string(i) + "]",
           {{"circle", {{"lat", c.centre.lat}, {"lon", c.centre.lon}, {"radius_m", c.radius_km * 1000}}}}});
    }
    for (std::size_t i = 0; i < area.polygons.size(); ++i) {
      // GeoJSON is [lon, lat]; CAP writes "lat,lon".
      json ring = json::array();
      for (const auto& p : area.polygons[i]) ring.push_back({p.lon, p.lat});
      shapes.push_back({path + ".polygon[" + std::to_string(i) + "]",
                        {{"polygon", {{"type", "Polygon"}, {"coordinates", json::array({ring})}}}}});
    }
    for (std::size_t i = 0; i < area.geocodes.size(); ++i) {
      if (const auto code = municipality_code(area.geocodes[i])) {
        municipalities.push_back({path + ".geocode[" + std::to_string(i) + "]", {{"municipality", *code}}});
      }
    }
  }
  // A circle or polygon is what the sender drew; a geocode beside it usually only names where.
  const auto& chosen = shapes.empty() ? municipalities : shapes;
  if (chosen.empty()) {
    throw InvalidField(info_path + ".area",
                       "needs one <circle>, one <polygon> or one <geocode> with a CBS municipality code");
  }
  if (chosen.size() > 1) {
    throw InvalidField(info_path + ".area",
                       "has " + std::to_string(chosen.size()) +
                           " shapes; an action covers one circle, polygon or municipality: send "
                           "one alert per area");
  }
  area_path = chosen.front().path;
  return chosen.front().area;
}

std::string joined(const std::string& first, const std::string& second) {
  if (first.empty()) return second;
  if (second.empty()) return first;
  return first + "\n\n" + second;
}

}  // namespace

std::size_t choose_info(const Alert& alert) {
  if (alert.infos.empty()) throw InvalidField("alert.info", "is required: it holds the text and the area");
  for (std::size_t i = 0; i < alert.infos.size(); ++i) {
    if (lower(alert.infos[i].language) == "nl-nl") return i;
  }
  for (std::size_t i = 0; i < alert.infos.size(); ++i) {
    if (starts_with_nl(alert.infos[i].language)) return i;
  }
  return 0;
}

std::string kind_for(const Info& info) {
  const bool grave = info.severity == "Extreme" || info.severity == "Severe";
  return info.urgency == "Immediate" && grave ? "urgent" : "alert";
}

std::string category_for(const Info& info) {
  for (const auto& code : info.event_codes) {
    if (lower(code.name) == "burgernet:category" && action::is_category(code.value)) return code.value;
  }
  const auto event = lower(info.event);
  for (const auto& [word, category] : event_words()) {
    if (event.find(word) != std::string::npos) return category;
  }
  return "other";
}

std::string shortened(const std::string& text, std::size_t max) {
  const auto code_points = message::decode_utf8(text);
  if (code_points.size() <= max) return text;
  return message::encode_utf8(std::u32string_view(code_points).substr(0, max - 1)) + "\u2026";
}

ActionBody action_body(const Alert& alert, const ImportOptions& options, long long now_s) {
  ActionBody out;
  const auto index = choose_info(alert);
  const Info& info = alert.infos[index];
  out.info_path = "alert.info[" + std::to_string(index) + "]";

  json body = {{"kind", kind_for(info)}, {"category", category_for(info)}};
  // CAP allows a headline of 160 characters, ours holds 120: a long one is cut, not refused,
  // since the full text is in the message.
  body["title"] = shortened(info.headline.empty() ? info.event : info.headline, action::kMaxTitleLength);
  const auto message = joined(info.description, info.instruction);
  if (message.empty()) throw InvalidField(out.info_path + ".description", "is required (or <instruction>)");
  body["message"] = message;
  body["area"] = area_of(info, out.info_path, out.area_path);
  if (info.expires) {
    const auto seconds = *parse_cap_time(*info.expires) - now_s;
    if (seconds <= 0) throw InvalidField(out.info_path + ".expires", "lies in the past");
    body["expires_in_s"] = seconds;
  }
  if (options.dry_run) body["dry_run"] = true;
  if (options.confirm_recipients) body["confirm_recipients"] = *options.confirm_recipients;
  out.body = std::move(body);
  return out;
}

InvalidField as_cap_field(const InvalidField& error, const ActionBody& from) {
  const auto& field = error.field();
  std::string why = error.what();
  if (!field.empty() && why.starts_with(field + ": ")) why = why.substr(field.size() + 2);
  if (field == "title") return InvalidField(from.info_path + ".headline", why);
  if (field == "message") return InvalidField(from.info_path + ".description", why);
  if (field == "expires_in_s") return InvalidField(from.info_path + ".expires", why);
  if (field == "kind" || field == "category") return InvalidField(from.info_path + ".event", why);
  if (field == "area" || field.starts_with("area.")) return InvalidField(from.area_path, why);
  return error;  // confirm_recipients, channels: the query's and the configuration's own names
}

std::string update_text(const Alert& alert) {
  const auto index = choose_info(alert);
  const auto& info = alert.infos[index];
  const auto text = joined(info.description, info.instruction);
  if (text.empty()) {
    throw InvalidField("alert.info[" + std::to_string(index) + "].description",
                       "is required (or <instruction>)");
  }
  return shortened(text, action::kMaxMessageLength);
}

std::string closing_text(const Alert& alert) {
  std::string text;
  if (!alert.infos.empty()) {
    const auto& info = alert.infos[choose_info(alert)];
    text = info.description.empty() ? info.headline : info.description;
  }
  if (text.empty()) text = alert.note;
  if (text.empty()) text = "Deze Burgernet-actie is ingetrokken.";
  return shortened(text, action::kMaxMessageLength);
}

}  // namespace burgernet::cap
