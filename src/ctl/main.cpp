// burgernetctl: administration from the command line (migrations, tokens, imports).
#include <CLI/CLI.hpp>
#include <iostream>

#include "burgernet/config/config.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "ctl/commands.hpp"

int main(int argc, char** argv) {
  using namespace burgernet;
  CLI::App cli{"burgernetctl: administers a burgernet installation"};
  cli.require_subcommand(1);
  std::string config_path;
  cli.add_option("--config", config_path, "the daemon's JSON configuration file")->required();

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

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
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
    if (*token_list) return ctl::run_token_list(config);
    if (*token_revoke) return ctl::run_token_revoke(config, revoke_target);
    if (*participants_import) return ctl::run_participants_import(config, import_options);
    if (*areas_import) return ctl::run_areas_import(config, import_options);
    if (*keys_rotate) return ctl::run_keys_rotate(config);
    if (*keys_init) return ctl::run_keys_init(config);
    if (*keys_status) return ctl::run_keys_status(config, keys_status_json);
  } catch (const privacy::KeyError& e) {
    std::cerr << "burgernetctl: privacy key error: " << e.what() << "\n";
    return 2;
  } catch (const db::DatabaseUnavailable& e) {
    std::cerr << "burgernetctl: " << e.what() << "\n";
    return 3;
  } catch (const InvalidField& e) {
    std::cerr << "burgernetctl: invalid input: " << e.what() << "\n";
    return 2;
  } catch (const NotFound& e) {
    std::cerr << "burgernetctl: not found: " << e.what() << "\n";
    return 4;
  } catch (const DomainError& e) {
    std::cerr << "burgernetctl: refused: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "burgernetctl: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
