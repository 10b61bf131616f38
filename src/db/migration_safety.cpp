// The check behind `burgernetctl migrate` that keeps a breaking migration from running under
// the daemons of the version before it.
#include "burgernet/db/migration_safety.hpp"

#include <sstream>

#include "burgernet/db/migrate.hpp"

namespace burgernet::db {
namespace {

constexpr const char* kApplicationName = "burgernet";

}  // namespace

bool requires_stopped_daemons(const sql::Migration& migration) {
  // Only the leading comment counts: a marker quoted further down (in a function body, say)
  // must not mark the migration.
  std::istringstream lines(migration.text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.rfind("--", 0) != 0) return false;
    if (line.rfind(kRequiresStoppedDaemons, 0) == 0) return true;
  }
  return false;
}

std::vector<sql::Migration> pending_migrations(Connection& connection) {
  const int version = schema_version(connection);
  std::vector<sql::Migration> pending;
  for (const auto& migration : sql::migrations()) {
    if (migration.version > version) pending.push_back(migration);
  }
  return pending;
}

std::vector<ConnectedHost> burgernet_sessions(Connection& connection) {
  const auto r = connection.exec(sql::query("BurgernetSessionsByHost"), kApplicationName);
  std::vector<ConnectedHost> hosts;
  for (int i = 0; i < r.rows(); ++i) hosts.push_back({r.string(i, 0), static_cast<int>(r.int64(i, 1))});
  return hosts;
}

std::string refusal_while_daemons_run(Connection& connection, const std::vector<sql::Migration>& pending) {
  std::vector<std::string> marked;
  for (const auto& migration : pending) {
    if (requires_stopped_daemons(migration)) marked.push_back(migration.name);
  }
  if (marked.empty()) return "";
  // An empty database has nothing a daemon of an older version could be using.
  if (schema_version(connection) == 0) return "";
  const auto hosts = burgernet_sessions(connection);
  if (hosts.empty()) return "";

  std::ostringstream reason;
  reason << (marked.size() == 1 ? "migration " : "migrations ");
  for (std::size_t i = 0; i < marked.size(); ++i) reason << (i ? ", " : "") << marked[i];
  reason << (marked.size() == 1 ? " needs every burgernetd stopped (see its header)"
                                : " need every burgernetd stopped (see their headers)")
         << ", but burgernet programs are connected to this database from ";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    reason << (i ? ", " : "") << hosts[i].host << " (" << hosts[i].sessions
           << (hosts[i].sessions == 1 ? " session)" : " sessions)");
  }
  reason << ". Stop burgernetd on those hosts and run migrate again; pass --daemons-stopped only if they are "
            "not daemons of an older version (docs/operations.md, \"Upgrade\").";
  return reason.str();
}

}  // namespace burgernet::db
