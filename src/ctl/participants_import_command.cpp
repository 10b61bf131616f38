// `burgernetctl participants import FILE.csv`: bulk import of already verified participants.
// Every line is checked with the same rules as the API; a bad line is reported with its
// number and reason and the rest goes on. Good lines go in batches of one INSERT … SELECT
// from a JSON array each, so 100,000 lines are a few dozen statements.
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "burgernet/db/connection.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/participant/participant_request.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

constexpr const char* kHeader = "phone,lat,lon,channels,quiet_from,quiet_to,language";
constexpr std::size_t kBatchSize = 2000;
constexpr std::size_t kColumns = 7;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\"");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\"");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, separator)) fields.push_back(trim(field));
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

bool read_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return *end == '\0';
}

// One CSV line as a record for ParticipantsImport; throws InvalidField with the reason.
json read_line(const std::vector<std::string>& fields, const config::Config& config,
               const privacy::PersonalDataKeys& keys) {
  if (fields.size() < 3 || fields.size() > kColumns) {
    throw InvalidField("", "expected 7 columns: " + std::string(kHeader));
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
  if (!f[3].empty()) address["channels"] = split(f[3], ';');
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

void report(std::size_t line, const std::string& reason) { std::cout << "line " << line << ": " << reason << "\n"; }

}  // namespace

int run_participants_import(const config::Config& config, const ImportOptions& options) {
  std::ifstream in(options.path);
  if (!in) {
    std::cerr << "burgernetctl: cannot read " << options.path << "\n";
    return 2;
  }
  std::string line;
  std::getline(in, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's byte order mark
  std::string header;
  for (const auto& f : split(line, ',')) header += (header.empty() ? "" : ",") + f;
  if (header != kHeader) {
    std::cerr << "burgernetctl: line 1 must be the header " << kHeader << "\n";
    return 2;
  }

  const auto keys = privacy::PersonalDataKeys::load(config.privacy);
  db::Connection connection(config.database.url);
  std::size_t imported = 0, rejected = 0, number = 1;
  std::map<std::string, std::size_t> first_line_of;  // a number twice in the file: the first wins
  json batch = json::array();
  auto flush = [&] {
    if (batch.empty()) return;
    const auto known = connection.exec(sql::query("ParticipantsImport"), batch.dump());
    imported += batch.size() - static_cast<std::size_t>(known.rows());
    for (int i = 0; i < known.rows(); ++i) {
      report(static_cast<std::size_t>(known.int64(i, 0)), "phone: this number is registered already");
      ++rejected;
    }
    batch = json::array();
  };
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty()) continue;
    try {
      auto record = read_line(split(line, ','), config, keys);
      const auto [first, fresh] = first_line_of.emplace(record["phone_lookup"].get<std::string>(), number);
      if (!fresh) throw InvalidField("phone", "the same number as line " + std::to_string(first->second));
      record["line"] = number;
      batch.push_back(std::move(record));
    } catch (const InvalidField& e) {
      report(number, e.what());
      ++rejected;
      continue;
    }
    if (batch.size() >= kBatchSize) flush();
  }
  flush();
  std::cout << "imported " << imported << " participants, rejected " << rejected << " lines\n";
  return 0;
}

}  // namespace burgernet::ctl
