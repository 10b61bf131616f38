// The burgernetctl commands, one function each, so main only parses arguments.
#pragma once

#include <optional>
#include <string>

#include "burgernet/config/config.hpp"

namespace burgernet::ctl {

struct TokenOptions {
  std::string role;
  std::string name;
  std::optional<std::string> area;
  std::optional<int> expires_in_days;  // none: the token does not expire
};

struct ImportOptions {
  std::string path;
};

struct MigrateOptions {
  // The operator says no daemon of an older version runs: a migration marked
  // requires-stopped-daemons is applied even with other burgernet sessions connected.
  bool daemons_stopped = false;
};

int run_migrate(const config::Config& config, const MigrateOptions& options);
int run_token_create(const config::Config& config, const TokenOptions& options);
int run_token_list(const config::Config& config);
int run_token_revoke(const config::Config& config, const std::string& name_or_id);
int run_participants_import(const config::Config& config, const ImportOptions& options);
int run_areas_import(const config::Config& config, const ImportOptions& options);
// Reseals what was sealed with a previous key, and recomputes every look-up hash.
int run_keys_rotate(const config::Config& config);
// Creates the key files of a new installation and records their fingerprints (never replaces).
int run_keys_init(const config::Config& config);
// The recorded keys, the configured ones, and how many values each key id still opens.
int run_keys_status(const config::Config& config, bool as_json);

}  // namespace burgernet::ctl
