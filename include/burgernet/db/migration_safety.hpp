// Which migrations must not run while older daemons use the database, and whether any do.
#pragma once

#include <string>
#include <vector>

#include "burgernet/db/connection.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::db {

// The header line that marks a migration unsafe with the previous version's daemons running:
// it drops or rewrites something they read or write (docs/operations.md, "Upgrade").
inline constexpr std::string_view kRequiresStoppedDaemons = "-- burgernet: requires-stopped-daemons";

// True when the migration's leading comment holds kRequiresStoppedDaemons.
bool requires_stopped_daemons(const sql::Migration& migration);

// The migrations not applied yet to this database, in order (all of them on an empty one).
std::vector<sql::Migration> pending_migrations(Connection& connection);

// Other sessions of burgernet programs on this database, per client host.
struct ConnectedHost {
  std::string host;  // the client's host name or address; "local socket" for a Unix socket
  int sessions = 0;
};

// Every burgernet program connects with application_name 'burgernet' (db/connection.cpp); a
// daemon holds several (the pool, the workers, LISTEN). This session itself is not counted.
std::vector<ConnectedHost> burgernet_sessions(Connection& connection);

// Why `pending` may not be applied now, or "" when it may: some of it is marked and other
// burgernet sessions are connected. The reason names the marked migrations and the hosts.
std::string refusal_while_daemons_run(Connection& connection, const std::vector<sql::Migration>& pending);

}  // namespace burgernet::db
