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
int run_token_list(const config::Config& config, bool as_json = false);
int run_token_revoke(const config::Config& config, const std::string& name_or_id);
int run_participants_import(const config::Config& config, const ImportOptions& options);
int run_areas_import(const config::Config& config, const ImportOptions& options);
// Reseals what was sealed with a previous key, and recomputes every look-up hash.
int run_keys_rotate(const config::Config& config);
// Creates the key files of a new installation and records their fingerprints (never replaces).
int run_keys_init(const config::Config& config);
// The recorded keys, the configured ones, and how many values each key id still opens.
int run_keys_status(const config::Config& config, bool as_json);

// Daily work (docs/operations.md). The read commands print one JSON document with --json.
struct ReadOptions {
  bool json = false;
};
struct VersionOptions {
  std::string version;      // this program's
  std::string config_path;  // may be empty: then the database's schema is not asked
  bool json = false;
};
struct ActionsListOptions {
  std::optional<std::string> status;  // "open" (not closed) or "closed"
  std::optional<std::string> since;   // a date or an ISO 8601 date and time
  int limit = 50;
  bool json = false;
};
struct ActionsShowOptions {
  std::string id;
  bool json = false;
};
struct ActionsCloseOptions {
  std::string id;
  std::string outcome;
  std::optional<std::string> message;  // none: a standard closing text
  bool json = false;
};
struct CheckConfigOptions {
  std::string config_path;
  bool json = false;
};

// Never fails for an unreachable database: it says so and exits 0.
int run_version(const VersionOptions& options);
int run_actions_list(const config::Config& config, const ActionsListOptions& options);
int run_actions_show(const config::Config& config, const ActionsShowOptions& options);
int run_actions_close(const config::Config& config, const ActionsCloseOptions& options);
struct StatsOptions {
  bool json = false;
  std::optional<std::string> from, to;  // months, YYYY-MM
};
int run_stats(const config::Config& config, const StatsOptions& options);
int run_queue(const config::Config& config, const ReadOptions& options);
// Exit 2 when a config or key file is wrong, 1 when only the database or a provider failed.
int run_check_config(const CheckConfigOptions& options);

}  // namespace burgernet::ctl
