// Appending to and reading the audit log over the named queries in sql/queries/audit.sql.
#include "burgernet/audit/audit_log.hpp"

#include "burgernet/sql/query.hpp"

namespace burgernet::audit {

std::int64_t append(db::Connection& connection, const Entry& entry) {
  std::optional<std::string> details;
  if (!entry.details.is_null())
    details = entry.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return connection
      .exec(sql::query("AuditAppend"), entry.actor, entry.action, entry.target, entry.remote, entry.result,
            details)
      .int64(0, 0);
}

Page list(db::Connection& connection, const Filter& filter) {
  // One row more than asked tells whether there is a next page.
  const int wanted = filter.limit + 1;
  std::optional<std::string> cursor;
  if (filter.cursor) cursor = std::to_string(*filter.cursor);
  const auto r = connection.exec(sql::query("AuditList"), filter.actor, filter.action, filter.since,
                                 filter.until, wanted, cursor);
  Page page;
  for (int row = 0; row < r.rows() && row < filter.limit; ++row) {
    Record record{r.int64(row, 0), r.string(row, 1), {}};
    record.entry.actor = r.string(row, 2);
    record.entry.action = r.string(row, 3);
    record.entry.target = r.optional_string(row, 4);
    record.entry.remote = r.optional_string(row, 5);
    record.entry.result = r.string(row, 6);
    if (const auto details = r.optional_string(row, 7))
      record.entry.details = nlohmann::json::parse(*details);
    page.records.push_back(std::move(record));
  }
  if (r.rows() > filter.limit && !page.records.empty())
    page.next_cursor = std::to_string(page.records.back().id);
  return page;
}

nlohmann::json to_json(const Record& record) {
  const auto& e = record.entry;
  return {{"id", record.id},
          {"at", record.at},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target ? nlohmann::json(*e.target) : nullptr},
          {"remote", e.remote ? nlohmann::json(*e.remote) : nullptr},
          {"result", e.result},
          {"details", e.details}};
}

void append_for(db::Connection& connection, const Entry* entry, const std::string& target) {
  if (!entry) return;
  auto copy = *entry;
  copy.target = target;
  append(connection, copy);
}

}  // namespace burgernet::audit
