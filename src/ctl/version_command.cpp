// `burgernetctl version`: this program's version, the schema it needs, and the database's schema
// when the config names a database that answers. An unreachable database is reported, not an error:
// the command is what one runs first when something is wrong.
#include <iostream>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"

namespace burgernet::ctl {

int run_version(const VersionOptions& options) {
  using nlohmann::json;
  const int needed = sql::latest_migration_version();
  json database = {{"reachable", false}};
  if (options.config_path.empty()) {
    database["error"] = "no --config given";
  } else {
    try {
      const auto config = config::load_config_file(options.config_path);
      db::Connection connection(config.database.url);
      const int schema = db::schema_version(connection);
      database = {{"reachable", true}, {"schema_version", schema}, {"current", schema == needed}};
    } catch (const std::exception& e) {
      database["error"] = e.what();
    }
  }
  if (options.json) {
    std::cout << json{{"program", "burgernetctl"},
                      {"version", options.version},
                      {"schema_version_needed", needed},
                      {"database", database}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "burgernetctl " << options.version << "\n";
  std::cout << "schema version needed: " << needed << "\n";
  if (database["reachable"].get<bool>()) {
    const int schema = database["schema_version"].get<int>();
    std::cout << "database schema version: " << schema
              << (schema == needed  ? ""
                  : schema < needed ? " (run burgernetctl migrate)"
                                    : " (newer than this program)")
              << "\n";
  } else {
    std::cout << "database schema version: unknown (" << database["error"].get<std::string>() << ")\n";
  }
  return kExitOk;
}

}  // namespace burgernet::ctl
