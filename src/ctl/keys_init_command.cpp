// `burgernetctl keys init`: makes the personal-data key files of a new installation and records
// their fingerprints in the database. The only program that creates a key: burgernetd refuses to
// start without one, so a wrong path can no longer make a second key (docs/privacy.md).
#include <filesystem>
#include <iostream>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_keys_init(const config::Config& config) {
  const auto& privacy_config = config.privacy;
  std::error_code ec;
  for (const auto& path : {privacy_config.key_file, privacy_config.lookup_key_file}) {
    if (std::filesystem::exists(path, ec)) {
      std::cerr << "burgernetctl: " << path
                << " exists already: keys init never replaces a key (to change keys, see `keys rotate`)\n";
      return 2;
    }
  }
  db::Connection connection(config.database.url);
  // The fingerprints are recorded in the same step, so the table must be there (migration 0016).
  bool migrated = false;
  for (const auto& migration : sql::migrations()) {
    if (migration.name.find("key_fingerprints") != std::string::npos) {
      migrated = db::schema_version(connection) >= migration.version;
    }
  }
  if (!migrated) {
    std::cerr
        << "burgernetctl: the database has no key_fingerprints table yet: run `burgernetctl migrate` first\n";
    return 2;
  }
  for (const auto& key : privacy::recorded_keys(connection)) {
    if (key.purpose != "seal" || key.status != "current") continue;
    std::cerr << "burgernetctl: the database already records its keys (sealing key "
              << privacy::short_fingerprint(key.fingerprint)
              << "): it was initialised before; configure the key files it was sealed with\n";
    return 2;
  }
  // Values sealed with some key, but no key recorded: keys init would make a key that cannot open
  // them. The daemon adopts the right key files instead.
  const auto sealed = privacy::count_sealed_values(connection);
  if (!sealed.empty()) {
    std::cerr
        << "burgernetctl: the database holds values sealed with key id " << sealed.front().key_id
        << " and records no key: configure the key files it was sealed with instead of making new ones\n";
    return 2;
  }

  std::vector<std::string> created;
  try {
    for (const auto& path : {privacy_config.key_file, privacy_config.lookup_key_file}) {
      if (!privacy::create_key_file(path))
        throw privacy::KeyError(path + " was created by someone else meanwhile");
      created.push_back(path);
    }
    const auto keys = privacy::PersonalDataKeys::load(privacy_config);
    privacy::record_initial_keys(connection, keys);
    std::cout << "privacy.key_file " << privacy_config.key_file << ": new sealing key, key id "
              << keys.sealing_identity().key_id << ", fingerprint " << keys.sealing_identity().fingerprint
              << "\n"
              << "privacy.lookup_key_file " << privacy_config.lookup_key_file
              << ": new lookup key, fingerprint " << keys.lookup_identity().fingerprint << "\n"
              << "recorded both in the database; back the files up now: without them no number can be read\n";
    return 0;
  } catch (...) {
    // Nothing half done: a key the database does not record would only be refused later.
    for (const auto& path : created) std::filesystem::remove(path, ec);
    throw;
  }
}

}  // namespace burgernet::ctl
