// The daemon: owns every long-lived object, runs the event loop, handles signals.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <string>

#include "burgernet/api/context.hpp"
#include "burgernet/api/service.hpp"
#include "burgernet/config/live_config.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/event/action_event_hub.hpp"
#include "burgernet/http/server.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/privacy/retention.hpp"
#include "burgernet/queue/dispatcher.hpp"

namespace burgernet::app {

class Application {
 public:
  // `config_path` is read again on SIGHUP.
  Application(config::Config config, std::string config_path);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;
  ~Application();

  // Binds the listener, serves until SIGTERM or SIGINT, drains, and returns the exit code.
  int run();

 private:
  boost::asio::awaitable<void> watch_signals();
  boost::asio::awaitable<void> feed_watchdog();
  boost::asio::awaitable<void> watch_database();
  boost::asio::awaitable<void> shut_down();
  // Writes the delivery rows of large actions chunk by chunk (action/action_store.hpp).
  boost::asio::awaitable<void> run_fanout();
  // Purges personal data that has outlived its use, every minute (privacy/retention.hpp).
  boost::asio::awaitable<void> run_retention();
  // Creates this month's partition of deliveries and the next ones where missing; logs a failure.
  void ensure_delivery_partitions(db::Connection& connection);
  void count_delivery_partitions(const privacy::DeliveryPartitions& partitions);
  // SIGHUP: tells systemd RELOADING=1, reloads, then READY=1 (even when the new file was refused:
  // the daemon goes on serving with the old configuration).
  void reload();
  void reload_config();

  std::string config_path_;
  config::LiveConfig config_;
  boost::asio::io_context io_;
  metrics::Registry metrics_;
  // Two pools, so that an operator's POST never waits behind the senders: the API's (bounded
  // queue, 503 when full) and the workers' (dispatcher, fan-out, retention; docs/configuration.md).
  db::Pool api_pool_;
  db::Pool worker_pool_;
  privacy::PersonalDataKeys keys_;
  api::DatabaseState database_;
  ratelimit::Limiters limiters_;
  api::Caches caches_;
  api::Context context_;
  api::Service service_;
  http::Server server_;
  boost::asio::signal_set signals_;
  std::unique_ptr<queue::Dispatcher> dispatcher_;  // built in run(): an unusable driver is an exit code
  std::unique_ptr<event::ActionEventHub> events_;  // the event streams' LISTEN connection and hub
  std::atomic<bool> told_ready_{false};  // read by reload() on another thread
  bool stopping_ = false;
  // The key files were compared with the database's (privacy/key_fingerprints.hpp): at start,
  // or, when the database was not ready then, before it is first called ready.
  bool keys_checked_ = false;
  int exit_code_ = 0;  // 2: the keys do not match the database's
};

}  // namespace burgernet::app
