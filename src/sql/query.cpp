// Splits the embedded query files into named queries and numbers the migrations.
#include "burgernet/sql/query.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "sql/embedded.hpp"

namespace burgernet::sql {
namespace {

constexpr std::string_view kNameMarker = "-- name:";

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::vector<Query> split_queries() {
  std::vector<Query> out;
  for (const auto& file : embedded_queries()) {
    std::string_view text = file.text;
    std::size_t pos = text.find(kNameMarker);
    while (pos != std::string_view::npos) {
      const auto line_end = text.find('\n', pos);
      std::string header = trim(text.substr(pos + kNameMarker.size(), line_end - pos - kNameMarker.size()));
      // "-- name: ActionInsert :one" style suffixes are documentation only, but for :plan_each_time.
      const bool plan_each_time = header.find(" :plan_each_time") != std::string::npos;
      if (auto space = header.find(' '); space != std::string::npos) header.resize(space);
      const auto next = line_end == std::string_view::npos ? line_end : text.find(kNameMarker, line_end);
      std::string body = trim(text.substr(line_end, next == std::string_view::npos ? text.size() - line_end
                                                                                   : next - line_end));
      if (!body.empty() && body.back() == ';') body.pop_back();
      out.push_back(Query{std::move(header), std::move(body), plan_each_time});
      pos = next;
    }
  }
  return out;
}

}  // namespace

const std::vector<Query>& all_queries() {
  static const std::vector<Query> queries = split_queries();
  return queries;
}

const Query& query(std::string_view name) {
  static const std::map<std::string, const Query*, std::less<>> by_name = [] {
    std::map<std::string, const Query*, std::less<>> m;
    for (const auto& q : all_queries()) {
      if (!m.emplace(q.name, &q).second) throw std::logic_error("duplicate SQL query name " + q.name);
    }
    return m;
  }();
  const auto it = by_name.find(name);
  if (it == by_name.end()) throw std::out_of_range("no SQL query named " + std::string(name));
  return *it->second;
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = [] {
    std::vector<Migration> m;
    for (const auto& file : embedded_migrations()) {
      m.push_back(Migration{std::stoi(std::string(file.name.substr(0, file.name.find('_')))),
                            std::string(file.name), std::string(file.text)});
    }
    std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    return m;
  }();
  return all;
}

int latest_migration_version() { return migrations().empty() ? 0 : migrations().back().version; }

}  // namespace burgernet::sql
