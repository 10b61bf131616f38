// `burgernetctl migrate`.
#include <iostream>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_migrate(const config::Config& config) {
  db::Connection connection(config.database.url);
  const auto applied = db::migrate(connection);
  for (const auto& name : applied) std::cout << "applied " << name << "\n";
  std::cout << "schema at version " << db::schema_version(connection) << "\n";
  return 0;
}

}  // namespace burgernet::ctl
