// `burgernetctl participants import FILE.csv`: bulk import of already verified participants.
// Every line is checked with the same rules as the API; a bad line is reported with its
// number and reason and the rest goes on. Good lines go in batches of one INSERT … SELECT
// from a JSON array each, so 100,000 lines are a few dozen statements.
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/checked_keys.hpp"
#include "ctl/commands.hpp"
#include "ctl/participants_csv.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

constexpr std::size_t kBatchSize = 2000;

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
  for (const auto& f : csv_split(line, ',')) header += (header.empty() ? "" : ",") + f;
  if (header != kParticipantsCsvHeader) {
    std::cerr << "burgernetctl: line 1 must be the header " << kParticipantsCsvHeader << "\n";
    return 2;
  }

  db::Connection connection(config.database.url);
  const auto keys = load_checked_keys(config, connection);
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
    if (csv_trim(line).empty()) continue;
    try {
      auto record = read_participant_line(csv_split(line, ','), config, keys);
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
