// `burgernetctl migrate [--daemons-stopped]`.
#include <iostream>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/db/migration_safety.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_migrate(const config::Config& config, const MigrateOptions& options) {
  db::Connection connection(config.database.url);
  if (!options.daemons_stopped) {
    const auto refusal = db::refusal_while_daemons_run(connection, db::pending_migrations(connection));
    if (!refusal.empty()) {
      std::cerr << "burgernetctl: refused: " << refusal << "\n";
      std::cout << "schema at version " << db::schema_version(connection) << "; nothing applied\n";
      return 1;
    }
  }
  const auto applied = db::migrate(connection);
  for (const auto& name : applied) std::cout << "applied " << name << "\n";
  std::cout << "schema at version " << db::schema_version(connection) << "\n";
  return 0;
}

}  // namespace burgernet::ctl
