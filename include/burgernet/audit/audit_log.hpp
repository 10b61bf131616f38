// The audit log: who did what to which target, when, from where, and with what result. Rows
// are only ever appended (a trigger refuses UPDATE and DELETE, see docs/security.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/db/connection.hpp"

namespace burgernet::audit {

// One audited act. `action` is a dotted verb ("token.create", "participant.erase");
// `target` names what it acted on (a token name, a participant id), never personal data
// itself; `result` is "ok", "denied", "failed" or similar.
struct Entry {
  std::string actor;  // the token name, or "burgernetctl:<os user>"
  std::string action;
  std::optional<std::string> target;
  std::optional<std::string> remote;  // client IP, or "local" for burgernetctl
  std::string result = "ok";
  nlohmann::json details = nullptr;  // small, and without personal data
};

// Appends one row with query AuditAppend and returns its id. Runs in the caller's transaction
// when one is open, so an act and its audit row commit (or vanish) together.
std::int64_t append(db::Connection& connection, const Entry& entry);

// For stores that take an optional entry: appends `*entry` with `target`, or nothing when null.
void append_for(db::Connection& connection, const Entry* entry, const std::string& target);

struct Filter {
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::string> since;  // ISO 8601, inclusive
  std::optional<std::string> until;  // ISO 8601, exclusive
  int limit = 100;
  std::optional<std::int64_t> cursor;  // the id of the last row already seen
};

struct Record {
  std::int64_t id;
  std::string at;  // ISO 8601, UTC
  Entry entry;
};

struct Page {
  std::vector<Record> records;             // newest first
  std::optional<std::string> next_cursor;  // set when there may be more
};

// Reads with query AuditList.
Page list(db::Connection& connection, const Filter& filter);

nlohmann::json to_json(const Record& record);

}  // namespace burgernet::audit
