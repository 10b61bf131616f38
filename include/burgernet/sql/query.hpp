// Named SQL queries from sql/queries/*.sql ("-- name: ActionInsert" headers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace burgernet::sql {

// A query's name keys its prepared statement, its log lines and its metrics.
struct Query {
  std::string name;
  std::string text;
  // ":plan_each_time" in the header: never a prepared statement, planned with each call's
  // values. For statements over an array of outcomes or leases, whose generic plan assumes ten
  // elements: with thousands, it probed an index of every row being sent once per element
  // (seconds, past the statement timeout, under three daemons).
  bool plan_each_time = false;
};

// The query of that name; throws std::out_of_range for a name no file defines (a programming
// error, caught by the first test that runs the code path).
const Query& query(std::string_view name);

// Every named query, for start-up checks and tests.
const std::vector<Query>& all_queries();

// One migration file: "0003_devices.sql" has version 3.
struct Migration {
  int version;
  std::string name;
  std::string text;
};

const std::vector<Migration>& migrations();
int latest_migration_version();

}  // namespace burgernet::sql
