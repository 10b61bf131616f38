// Applies the numbered migrations in sql/migrations, each in its own transaction.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "burgernet/db/connection.hpp"

namespace burgernet::db {

// Applies what is missing and returns the names applied (empty when current). Safe to run
// from several processes at once: an advisory lock serializes them. `up_to` stops after that
// version (tests of a migration start from the schema before it).
std::vector<std::string> migrate(Connection& connection, int up_to = std::numeric_limits<int>::max());

// The highest applied version, 0 for an empty database.
int schema_version(Connection& connection);

}  // namespace burgernet::db
