// burgernetd: the alert-dispatch daemon. `burgernetd --config FILE`, foreground, logs to stderr.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "burgernet/app/application.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/log/redaction.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"burgernetd: dispatches Burgernet actions and alerts to participants"};
  std::string config_path;
  cli.set_version_flag("--version", std::string("burgernetd ") + BURGERNET_VERSION);
  auto* config_option = cli.add_option("--config", config_path, "the JSON configuration file");
  // Required unless --version, which CLI11 handles before this check.
  config_option->required();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }

  auto logger = spdlog::stderr_logger_mt("burgernetd");
  spdlog::set_default_logger(logger);
  // Every line passes the redaction layer (log/redaction.hpp) on its way out. Set on the
  // registry, so that loggers made later through spdlog's factories get it too.
  spdlog::set_formatter(burgernet::log::redacting_formatter("%Y-%m-%dT%H:%M:%S.%e%z %l %v"));

  burgernet::config::Config config;
  try {
    config = burgernet::config::load_config_file(config_path);
  } catch (const burgernet::config::ConfigError& e) {
    std::cerr << "burgernetd: config error: " << e.what() << "\n";
    return 2;
  }
  try {
    burgernet::app::Application application(std::move(config), config_path);
    return application.run();
  } catch (const burgernet::privacy::KeyError& e) {
    std::cerr << "burgernetd: privacy key error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("burgernetd: {}", e.what());
    return 1;
  }
}
