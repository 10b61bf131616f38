// The migration runner behind `burgernetctl migrate`.
#include "burgernet/db/migrate.hpp"

#include "burgernet/db/errors.hpp"

namespace burgernet::db {
namespace {

// Any constant works; it only has to be the same for every burgernet process.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7303105202611)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7303105202611)";

}  // namespace

int schema_version(Connection& connection) {
  try {
    return static_cast<int>(connection.exec(sql::query("SchemaVersion")).int64(0, 0));
  } catch (const DatabaseUnavailable&) {
    throw;
  } catch (const DatabaseError& e) {
    if (e.sqlstate() == "42P01") return 0;  // no ledger yet: nothing applied
    throw;
  }
}

std::vector<std::string> migrate(Connection& connection, int up_to) {
  std::vector<std::string> applied;
  connection.exec_script("migration lock", kMigrationLock);
  try {
    connection.exec(sql::query("SchemaLedgerCreate"));
    for (const auto& migration : sql::migrations()) {
      if (migration.version > up_to) break;
      if (connection.exec(sql::query("SchemaMigrationApplied"), migration.version).boolean(0, 0)) continue;
      Transaction tx(connection);
      connection.exec_script(migration.name, migration.text);
      connection.exec(sql::query("SchemaMigrationRecord"), migration.version, migration.name);
      tx.commit();
      applied.push_back(migration.name);
    }
  } catch (...) {
    if (connection.healthy()) connection.exec_script("migration unlock", kMigrationUnlock);
    throw;
  }
  connection.exec_script("migration unlock", kMigrationUnlock);
  return applied;
}

}  // namespace burgernet::db
