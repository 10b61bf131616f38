// Reading one participants import line: split, trim, and the API's checks on each field.
#include "ctl/participants_csv.hpp"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "burgernet/domain/errors.hpp"
#include "burgernet/participant/participant_request.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

constexpr std::size_t kColumns = 7;

bool read_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return *end == '\0';
}

}  // namespace

std::string csv_trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\"");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\"");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> csv_split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, separator)) fields.push_back(csv_trim(field));
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

json read_participant_line(const std::vector<std::string>& fields, const config::Config& config,
                           const privacy::PersonalDataKeys& keys) {
  if (fields.size() < 3 || fields.size() > kColumns) {
    throw InvalidField("", "expected 7 columns: " + std::string(kParticipantsCsvHeader));
  }
  std::vector<std::string> f = fields;
  f.resize(kColumns);
  const auto phone = participant::read_phone_number(json(f[0]), "phone");
  json address = json::object();
  double lat = 0, lon = 0;
  if (!read_number(f[1], lat)) throw InvalidField("lat", "must be a number");
  if (!read_number(f[2], lon)) throw InvalidField("lon", "must be a number");
  address["lat"] = lat;
  address["lon"] = lon;
  if (!f[3].empty()) address["channels"] = csv_split(f[3], ';');
  if (!f[4].empty() || !f[5].empty()) address["quiet_hours"] = {{"from", f[4]}, {"to", f[5]}};
  const auto parsed = participant::parse_address(address, "", config.limits.service_area, phone.mobile, false);
  std::string language = f[6].empty() ? "nl" : f[6];
  if (language.size() != 2 || !std::islower(static_cast<unsigned char>(language[0])) ||
      !std::islower(static_cast<unsigned char>(language[1]))) {
    throw InvalidField("language", "must be a two-letter language code such as nl");
  }
  json record = {{"phone_sealed", keys.seal(phone.e164, "phone")},
                 {"phone_lookup", keys.lookup(phone.e164)},
                 {"mobile", phone.mobile},
                 {"language", language},
                 {"lat", lat},
                 {"lon", lon},
                 {"channels", parsed.channels}};
  if (parsed.quiet_from) record["quiet_from"] = *parsed.quiet_from;
  if (parsed.quiet_to) record["quiet_to"] = *parsed.quiet_to;
  return record;
}

}  // namespace burgernet::ctl
