// Validation of config `regions`: a wrong call-back number would be printed in every message of
// a region, so each field is checked here, at start and at SIGHUP, not when the first SMS goes.
#include "burgernet/config/regions_config.hpp"

#include <map>
#include <regex>
#include <set>
#include <string>

#include "burgernet/config/config.hpp"

namespace burgernet::config {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& key, const std::string& why) { throw ConfigError(key + ": " + why); }

std::string text(const json& object, const std::string& key, const std::string& name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) fail(key + "." + name, "is required");
    return {};
  }
  if (!it->is_string()) fail(key + "." + name, "must be a string");
  const auto value = it->get<std::string>();
  if (value.empty() || value.size() > 100) fail(key + "." + name, "must be 1 to 100 characters");
  return value;
}

// As printed in a message and read out digit by digit: digits, with '+' first and '-' or spaces.
bool is_phone_number(const std::string& s) {
  static const std::regex shape("^\\+?[0-9][0-9 -]{1,18}[0-9]$");
  return std::regex_match(s, shape);
}

bool is_area_code(const std::string& s) {  // as the areas table's CHECK
  static const std::regex shape("^[A-Za-z0-9_-]{1,32}$");
  return std::regex_match(s, shape);
}

}  // namespace

message::Regions parse_regions(const json& regions) {
  if (!regions.is_array()) fail("regions", "must be an array of regions");
  std::vector<message::Region> out;
  message::Region fallback;
  bool has_fallback = false;
  std::set<std::string> codes;
  std::map<std::string, std::string> area_owner;  // area code -> key of the region listing it
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const std::string key = "regions[" + std::to_string(i) + "]";
    const json& r = regions[i];
    if (!r.is_object()) fail(key, "must be an object");
    static const std::set<std::string> known = {"code",         "name",  "callback_number", "sender_name",
                                                "emergency_number", "areas", "fallback"};
    for (const auto& [name, value] : r.items()) {
      if (!known.contains(name)) fail(key + "." + name, "unknown key");
    }
    message::Region region;
    region.code = text(r, key, "code", true);
    if (!is_area_code(region.code)) fail(key + ".code", "must be 1 to 32 letters, digits, '-' or '_'");
    if (!codes.insert(region.code).second) fail(key + ".code", "\"" + region.code + "\" is used twice");
    region.name = text(r, key, "name", true);
    region.callback_number = text(r, key, "callback_number", true);
    if (!is_phone_number(region.callback_number)) {
      fail(key + ".callback_number", "must be a phone number of digits, '-' and spaces, e.g. \"0800-0011\"");
    }
    region.sender_name = text(r, key, "sender_name", false);
    if (region.sender_name.empty()) region.sender_name = region.name;
    if (const auto e = text(r, key, "emergency_number", false); !e.empty()) region.emergency_number = e;
    if (!is_phone_number(region.emergency_number)) fail(key + ".emergency_number", "must be digits, e.g. \"112\"");
    bool is_fallback = false;
    if (const auto it = r.find("fallback"); it != r.end() && !it->is_null()) {
      if (!it->is_boolean()) fail(key + ".fallback", "must be true or false");
      is_fallback = it->get<bool>();
    }
    if (const auto it = r.find("areas"); it != r.end() && !it->is_null()) {
      if (!it->is_array()) fail(key + ".areas", "must be an array of area codes (burgernetctl areas import)");
      for (std::size_t j = 0; j < it->size(); ++j) {
        const std::string area_key = key + ".areas[" + std::to_string(j) + "]";
        const json& area = (*it)[j];
        if (!area.is_string() || !is_area_code(area.get<std::string>())) {
          fail(area_key, "must be an area code such as \"GM0363\"");
        }
        const auto [owner, fresh] = area_owner.emplace(area.get<std::string>(), key);
        if (!fresh) fail(area_key, "\"" + area.get<std::string>() + "\" is listed by " + owner->second + " too");
        region.areas.push_back(area.get<std::string>());
      }
    }
    if (region.areas.empty() && !is_fallback) fail(key + ".areas", "must list at least one area code");
    if (is_fallback) {
      if (has_fallback) fail(key + ".fallback", "only one region may be the fallback");
      has_fallback = true;
      fallback = region;
    }
    out.push_back(std::move(region));
  }
  return message::Regions(std::move(out), std::move(fallback));
}

}  // namespace burgernet::config
