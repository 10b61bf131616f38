// burgernetctl: administration from the command line (migrations, tokens, imports, keys) and
// daily work (actions, the queue, statistics, configuration checks).
#include <CLI/CLI.hpp>
#include <iostream>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "burgernet/config/config.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"

#ifndef BURGERNET_VERSION
#define BURGERNET_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace burgernet;
  // The stores' log lines go to stderr: stdout carries the answer, one JSON document with --json.
  spdlog::set_default_logger(spdlog::stderr_logger_st("burgernetctl"));
  CLI::App cli{"burgernetctl: administers a burgernet installation"};
  cli.require_subcommand(1);
  std::string config_path;
  // Not required here: `version` and `--version` work without one; the other commands check.
  cli.add_option("--config", config_path, "the daemon's JSON configuration file");
  cli.set_version_flag("--version", std::string("burgernetctl ") + BURGERNET_VERSION + " (schema version " +
                                        std::to_string(sql::latest_migration_version()) + ")");
  cli.footer(ctl::kExitCodesHelp);

  auto* migrate = cli.add_subcommand("migrate", "apply the numbered migrations in sql/ (idempotent)");
  ctl::MigrateOptions migrate_options;
  migrate->add_flag("--daemons-stopped", migrate_options.daemons_stopped,
                    "apply migrations that need every burgernetd stopped even if burgernet sessions are connected");

  auto* token = cli.add_subcommand("token", "API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "print a new API token on stdout, once");
  ctl::TokenOptions token_options;
  token_create->add_option("--role", token_options.role, "operator, municipal, registrar or admin")
      ->required()
      ->check(CLI::IsMember({"operator", "municipal", "registrar", "admin"}));
  token_create->add_option("--name", token_options.name, "who or what uses the token")->required();
  token_create->add_option("--area", token_options.area, "municipality or police unit code the token is bound to");
  token_create->add_option("--expires-in", token_options.expires_in_days, "days until the token stops working")
      ->check(CLI::Range(1, 3650));
  auto* token_list = token->add_subcommand("list", "every token: name, role, area, created, expires, revoked");
  bool token_list_json = false;
  token_list->add_flag("--json", token_list_json, "one JSON document");
  std::string revoke_target;
  auto* token_revoke = token->add_subcommand("revoke", "revoke a token by name or id; it gets 401 at once");
  token_revoke->add_option("token", revoke_target, "the token's name or id")->required();

  ctl::ImportOptions import_options;
  auto* participants = cli.add_subcommand("participants", "participants");
  participants->require_subcommand(1);
  auto* participants_import = participants->add_subcommand("import", "bulk import of verified participants (CSV)");
  participants_import->add_option("file", import_options.path, "phone,lat,lon,channels,quiet_from,quiet_to,language")
      ->required();

  auto* areas = cli.add_subcommand("areas", "municipality and police unit areas");
  areas->require_subcommand(1);
  auto* areas_import = areas->add_subcommand("import", "load a GeoJSON FeatureCollection with code and name");
  areas_import->add_option("file", import_options.path, "the GeoJSON file")->required();

  auto* keys = cli.add_subcommand("keys", "keys of personal data at rest");
  keys->require_subcommand(1);
  auto* keys_rotate = keys->add_subcommand(
      "rotate", "reseal every phone number, e-mail address, push token and pending code with privacy.key_file");
  auto* keys_init = keys->add_subcommand("init", "create the key files of a new installation and record them");
  bool keys_status_json = false;
  auto* keys_status = keys->add_subcommand("status", "recorded and configured keys, and what each still opens");
  keys_status->add_flag("--json", keys_status_json, "one JSON document");

  // Daily work: reading actions, closing one, the queue, statistics, checks (docs/operations.md).
  ctl::VersionOptions version_options{BURGERNET_VERSION, "", false};
  auto* version = cli.add_subcommand("version", "this program's version, the schema it needs and the database's");
  version->add_flag("--json", version_options.json, "one JSON document");

  auto* actions = cli.add_subcommand("actions", "actions and alerts");
  actions->require_subcommand(1);
  ctl::ActionsListOptions list_options;
  auto* actions_list = actions->add_subcommand("list", "the newest actions, without personal data");
  actions_list->add_option("--status", list_options.status, "open (not closed, expired included) or closed")
      ->check(CLI::IsMember({"open", "closed"}));
  actions_list->add_option("--since", list_options.since, "raised on or after this date (2026-11-30, UTC) or time");
  actions_list->add_option("--limit", list_options.limit, "at most this many (default 50)")->check(CLI::Range(1, 10000));
  actions_list->add_flag("--json", list_options.json, "one JSON document");
  ctl::ActionsShowOptions show_options;
  auto* actions_show = actions->add_subcommand("show", "one action: its texts and its messages per channel and status");
  actions_show->add_option("id", show_options.id, "the action's id")->required();
  actions_show->add_flag("--json", show_options.json, "one JSON document");
  ctl::ActionsCloseOptions close_options;
  auto* actions_close =
      actions->add_subcommand("close", "close an action as POST /v1/actions/{id}/close does: cancels what is "
                                       "queued and sends the closing message");
  actions_close->add_option("id", close_options.id, "the action's id")->required();
  actions_close->add_option("--outcome", close_options.outcome, "resolved_by_tip, resolved, unresolved or cancelled")
      ->required()
      ->check(CLI::IsMember({"resolved_by_tip", "resolved", "unresolved", "cancelled"}));
  actions_close->add_option("--message", close_options.message, "the closing text (default: a standard one)");
  actions_close->add_flag("--json", close_options.json, "one JSON document");

  ctl::ReadOptions queue_options;
  ctl::StatsOptions stats_options;
  auto* stats = cli.add_subcommand("stats", "the statistics of GET /v1/stats: actions per month, category and "
                                            "region with their outcomes, send times, participants, sign-ups");
  stats->add_flag("--json", stats_options.json, "one JSON document (the body of GET /v1/stats)");
  stats->add_option("--from", stats_options.from, "the first month, YYYY-MM (default: eleven months ago)");
  stats->add_option("--to", stats_options.to, "the last month, YYYY-MM (default: this month)");
  auto* queue = cli.add_subcommand("queue", "messages queued and being sent per channel, and the oldest's age");
  queue->add_flag("--json", queue_options.json, "one JSON document");

  ctl::CheckConfigOptions check_options;
  auto* check_config = cli.add_subcommand(
      "check-config", "check the config, its key and secret files, the database and each provider's TLS; "
                      "changes nothing");
  check_config->add_option("--config", check_options.config_path, "the config to check (default: the global --config)");
  check_config->add_flag("--json", check_options.json, "one JSON document");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (*version) {
    version_options.config_path = config_path;
    return ctl::run_version(version_options);
  }
  if (*check_config) {
    if (check_options.config_path.empty()) check_options.config_path = config_path;
    if (check_options.config_path.empty()) {
      std::cerr << "burgernetctl: check-config needs --config FILE\n";
      return ctl::kExitUsage;
    }
    return ctl::run_check_config(check_options);
  }
  if (config_path.empty()) {
    std::cerr << "burgernetctl: --config FILE is required\n";
    return ctl::kExitUsage;
  }

  config::Config config;
  try {
    config = config::load_config_file(config_path);
  } catch (const config::ConfigError& e) {
    std::cerr << "burgernetctl: config error: " << e.what() << "\n";
    return 2;
  }
  try {
    if (*migrate) return ctl::run_migrate(config, migrate_options);
    if (*token_create) return ctl::run_token_create(config, token_options);
    if (*token_list) return ctl::run_token_list(config, token_list_json);
    if (*token_revoke) return ctl::run_token_revoke(config, revoke_target);
    if (*participants_import) return ctl::run_participants_import(config, import_options);
    if (*areas_import) return ctl::run_areas_import(config, import_options);
    if (*keys_rotate) return ctl::run_keys_rotate(config);
    if (*keys_init) return ctl::run_keys_init(config);
    if (*keys_status) return ctl::run_keys_status(config, keys_status_json);
    if (*actions_list) return ctl::run_actions_list(config, list_options);
    if (*actions_show) return ctl::run_actions_show(config, show_options);
    if (*actions_close) return ctl::run_actions_close(config, close_options);
    if (*stats) return ctl::run_stats(config, stats_options);
    if (*queue) return ctl::run_queue(config, queue_options);
  } catch (const privacy::KeyError& e) {
    std::cerr << "burgernetctl: privacy key error: " << e.what() << "\n";
    return 2;
  } catch (const db::DatabaseUnavailable& e) {
    std::cerr << "burgernetctl: " << e.what() << "\n";
    return ctl::kExitFailure;
  } catch (const InvalidField& e) {
    std::cerr << "burgernetctl: invalid input: " << e.what() << "\n";
    return 2;
  } catch (const NotFound& e) {
    std::cerr << "burgernetctl: not found: " << e.what() << "\n";
    return ctl::kExitNotFound;
  } catch (const DomainError& e) {
    std::cerr << "burgernetctl: refused: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "burgernetctl: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
