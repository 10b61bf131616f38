// Field-by-field validation of participant sign-ups and changes (SPEC.md, "HTTP API").
#include "burgernet/participant/participant_request.hpp"

#include <algorithm>
#include <cmath>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/domain/json_fields.hpp"
#include "burgernet/message/utf8.hpp"

namespace burgernet::participant {
namespace {

using nlohmann::json;

// RD New is defined on the Netherlands and its coast; outside this box it is meaningless.
constexpr double kRdMinX = -7000, kRdMaxX = 300000, kRdMinY = 289000, kRdMaxY = 629000;

std::optional<double> read_optional_number(const json& object, const char* key, const std::string& field) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw InvalidField(field, "must be a number");
  const double value = it->get<double>();
  if (!std::isfinite(value)) throw InvalidField(field, "must be a finite number");
  return value;
}

std::string prefixed(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void read_coordinates(const json& address, const std::string& field, const config::ServiceArea& area,
                      AddressRequest& out) {
  out.lat = read_optional_number(address, "lat", prefixed(field, "lat"));
  out.lon = read_optional_number(address, "lon", prefixed(field, "lon"));
  out.x = read_optional_number(address, "x", prefixed(field, "x"));
  out.y = read_optional_number(address, "y", prefixed(field, "y"));
  const bool wgs84 = out.lat || out.lon;
  const bool rd = out.x || out.y;
  if (wgs84 && rd) throw InvalidField(field.empty() ? "lat" : field, "give either lat and lon, or x and y, not both");
  if (!wgs84 && !rd) throw InvalidField(prefixed(field, "lat"), "is required (or x and y in RD New)");
  if (wgs84) {
    if (!out.lat) throw InvalidField(prefixed(field, "lat"), "is required with lon");
    if (!out.lon) throw InvalidField(prefixed(field, "lon"), "is required with lat");
    if (*out.lat < area.min_lat || *out.lat > area.max_lat)
      throw InvalidField(prefixed(field, "lat"), "lies outside the service area");
    if (*out.lon < area.min_lon || *out.lon > area.max_lon)
      throw InvalidField(prefixed(field, "lon"), "lies outside the service area");
  } else {
    if (!out.x) throw InvalidField(prefixed(field, "x"), "is required with y");
    if (!out.y) throw InvalidField(prefixed(field, "y"), "is required with x");
    if (*out.x < kRdMinX || *out.x > kRdMaxX) throw InvalidField(prefixed(field, "x"), "lies outside RD New");
    if (*out.y < kRdMinY || *out.y > kRdMaxY) throw InvalidField(prefixed(field, "y"), "lies outside RD New");
  }
}

std::vector<std::string> read_channels(const json& address, const std::string& field, bool mobile, bool has_email) {
  const auto it = address.find("channels");
  if (it == address.end() || it->is_null()) {
    // A landline cannot take an SMS: its default is a call only.
    std::vector<std::string> chosen = {std::string(channel::form_name(channel::TextForm::kVoice))};
    if (mobile) chosen.emplace_back(channel::form_name(channel::TextForm::kSms));
    return chosen;
  }
  if (!it->is_array() || it->empty()) {
    throw InvalidField(field, "must be a non-empty array of voice, sms, push, email");
  }
  std::vector<std::string> channels;
  for (const auto& c : *it) {
    const auto& known = channel::participant_forms();
    if (!c.is_string() || std::find(known.begin(), known.end(), c.get<std::string>()) == known.end()) {
      throw InvalidField(field, "may contain only voice, sms, push and email");
    }
    const auto name = c.get<std::string>();
    if (std::find(channels.begin(), channels.end(), name) != channels.end()) {
      throw InvalidField(field, "\"" + name + "\" is named twice");
    }
    const auto form = channel::form_from_name(name);
    if (form == channel::TextForm::kSms && !mobile)
      throw InvalidField(field, "sms needs a mobile number; this number takes calls only");
    if (form == channel::TextForm::kEmail && !has_email)
      throw InvalidField(field, "email needs the participant's email address");
    channels.push_back(name);
  }
  return channels;
}

void read_quiet_hours(const json& address, const std::string& field, AddressRequest& out) {
  const auto it = address.find("quiet_hours");
  if (it == address.end() || it->is_null()) return;
  if (!it->is_object()) throw InvalidField(field, "must be an object {\"from\": \"23:00\", \"to\": \"07:00\"}");
  reject_unknown_fields(*it, field + ".", {"from", "to"});
  for (const char* key : {"from", "to"}) {
    const auto value = it->find(key);
    const std::string key_field = field + "." + key;
    if (value == it->end() || value->is_null()) throw InvalidField(key_field, "is required");
    if (!value->is_string() || !is_clock_time(value->get<std::string>())) {
      throw InvalidField(key_field, "must be a time of day as HH:MM, 00:00 to 23:59");
    }
  }
  out.quiet_from = (*it)["from"].get<std::string>();
  out.quiet_to = (*it)["to"].get<std::string>();
  if (out.quiet_from == out.quiet_to) throw InvalidField(field, "from and to must differ");
}

std::optional<std::string> read_email(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (!value.is_string()) throw InvalidField("email", "must be a string");
  const auto email = value.get<std::string>();
  const auto at = email.find('@');
  const bool plausible = !email.empty() && email.size() <= kMaxEmailLength && message::is_valid_utf8(email) &&
                         at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
                         email.find('.', at) != std::string::npos && email.back() != '.' &&
                         std::none_of(email.begin(), email.end(),
                                      [](unsigned char ch) { return ch <= 0x20 || ch == 0x7f; });
  if (!plausible) throw InvalidField("email", "is not an e-mail address");
  return email;
}

std::string read_language(const json& value) {
  if (!value.is_string()) throw InvalidField("language", "must be a two-letter language code such as \"nl\"");
  const auto language = value.get<std::string>();
  if (language.size() != 2 || !std::islower(static_cast<unsigned char>(language[0])) ||
      !std::islower(static_cast<unsigned char>(language[1]))) {
    throw InvalidField("language", "must be a two-letter language code such as \"nl\"");
  }
  return language;
}

std::vector<AddressRequest> read_addresses(const json& body, const config::ServiceArea& area, bool mobile,
                                           bool has_email) {
  const auto it = body.find("addresses");
  if (it == body.end() || it->is_null()) throw InvalidField("addresses", "is required: one to five addresses");
  if (!it->is_array() || it->empty() || it->size() > kMaxAddresses) {
    throw InvalidField("addresses", "must be an array of one to five addresses");
  }
  std::vector<AddressRequest> addresses;
  for (std::size_t i = 0; i < it->size(); ++i) {
    addresses.push_back(parse_address((*it)[i], "addresses[" + std::to_string(i) + "]",
                                      area, mobile, has_email));
  }
  return addresses;
}

}  // namespace

bool is_clock_time(const std::string& text) {
  return text.size() == 5 && std::isdigit(static_cast<unsigned char>(text[0])) &&
         std::isdigit(static_cast<unsigned char>(text[1])) && text[2] == ':' &&
         std::isdigit(static_cast<unsigned char>(text[3])) && std::isdigit(static_cast<unsigned char>(text[4])) &&
         (text[0] - '0') * 10 + (text[1] - '0') <= 23 && text[3] <= '5';
}

PhoneNumber read_phone_number(const json& value, const std::string& field) {
  if (value.is_null()) throw InvalidField(field, "is required");
  if (!value.is_string()) throw InvalidField(field, "must be a string such as \"06-12345678\" or \"+31612345678\"");
  auto parsed = parse_phone_number(value.get<std::string>());
  if (!parsed.number) throw InvalidField(field, parsed.reason);
  return *parsed.number;
}

AddressRequest parse_address(const json& address, const std::string& field, const config::ServiceArea& area,
                             bool mobile, bool has_email) {
  if (!address.is_object()) throw InvalidField(field, "must be an object with lat and lon (or x and y)");
  reject_unknown_fields(address, field.empty() ? "" : field + ".",
                              {"label", "lat", "lon", "x", "y", "channels", "quiet_hours"});
  AddressRequest out;
  if (const auto it = address.find("label"); it != address.end() && !it->is_null()) {
    if (!it->is_string() || !message::is_valid_utf8(it->get<std::string>()) ||
        message::decode_utf8(it->get<std::string>()).size() > kMaxLabelLength) {
      throw InvalidField(prefixed(field, "label"), "must be text of at most 60 characters");
    }
    out.label = it->get<std::string>();
  }
  read_coordinates(address, field, area, out);
  out.channels = read_channels(address, prefixed(field, "channels"), mobile, has_email);
  read_quiet_hours(address, prefixed(field, "quiet_hours"), out);
  return out;
}

SignUpRequest parse_sign_up(const json& body, const config::ServiceArea& area) {
  reject_unknown_fields(body, "", {"phone", "email", "language", "addresses"});
  SignUpRequest request;
  const auto phone = body.find("phone");
  request.phone = read_phone_number(phone == body.end() ? json() : *phone, "phone");
  if (const auto it = body.find("email"); it != body.end()) request.email = read_email(*it);
  if (const auto it = body.find("language"); it != body.end() && !it->is_null()) {
    request.language = read_language(*it);
  }
  request.addresses = read_addresses(body, area, request.phone.mobile, request.email.has_value());
  return request;
}

ParticipantChange parse_participant_change(const json& body, const config::ServiceArea& area) {
  reject_unknown_fields(body, "", {"phone", "email", "language", "addresses"});
  ParticipantChange change;
  if (const auto it = body.find("phone"); it != body.end()) change.phone = read_phone_number(*it, "phone");
  if (const auto it = body.find("email"); it != body.end()) change.email = read_email(*it);
  if (const auto it = body.find("language"); it != body.end()) change.language = read_language(*it);
  if (body.contains("addresses")) {
    // Channel rules that depend on the stored number and e-mail are checked again by the store.
    const bool mobile = change.phone ? change.phone->mobile : true;
    const bool has_email = change.email ? change.email->has_value() : true;
    change.addresses = read_addresses(body, area, mobile, has_email);
  }
  return change;
}

json addresses_as_records(const std::vector<AddressRequest>& addresses) {
  json records = json::array();
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    json record = {{"position", i}, {"channels", a.channels}};
    if (a.label) record["label"] = *a.label;
    if (a.lat) record["lat"] = *a.lat;
    if (a.lon) record["lon"] = *a.lon;
    if (a.x) record["x"] = *a.x;
    if (a.y) record["y"] = *a.y;
    if (a.quiet_from) record["quiet_from"] = *a.quiet_from;
    if (a.quiet_to) record["quiet_to"] = *a.quiet_to;
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace burgernet::participant
