// `burgernetctl migrate [--daemons-stopped]`.
#include <filesystem>
#include <iostream>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/db/migration_safety.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {
namespace {

// SPEC's minimal configuration works with `migrate` and then the daemon, so on a new
// installation (neither key file there, no key recorded, nothing sealed) migrate makes the keys
// as `keys init` does. The daemon itself still never makes one, and a key file missing beside
// one that exists is left to `keys init`'s and the daemon's refusals.
void init_keys_of_new_installation(const config::Config& config, db::Connection& connection) {
  std::error_code ec;
  if (std::filesystem::exists(config.privacy.key_file, ec) ||
      std::filesystem::exists(config.privacy.lookup_key_file, ec) || !privacy::recorded_keys(connection).empty() ||
      !privacy::count_sealed_values(connection).empty()) {
    return;
  }
  std::cout << "a new installation without personal-data keys: making them (burgernetctl keys init)\n";
  try {
    if (run_keys_init(config) != 0) std::cout << "no keys made: run `burgernetctl keys init` once that is fixed\n";
  } catch (const std::exception& e) {
    // The schema is migrated all the same; the daemon will say that the keys are missing.
    std::cerr << "burgernetctl: the keys were not made (" << e.what() << "): run `burgernetctl keys init`\n";
  }
}

}  // namespace

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
  init_keys_of_new_installation(config, connection);
  return 0;
}

}  // namespace burgernet::ctl
