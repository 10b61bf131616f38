// Start-up order, signals, the database watch and the bounded drain on shutdown.
#include "burgernet/app/application.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <random>
#include <thread>

#include "burgernet/action/action_store.hpp"
#include "burgernet/api/body_limits.hpp"
#include "burgernet/channel/registry.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/metrics/build_info.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/retention.hpp"
#include "burgernet/sql/query.hpp"
#include "app/outcome_metrics.hpp"
#include "app/pool_metrics.hpp"

namespace burgernet::app {

namespace asio = boost::asio;

namespace {

db::KeepaliveOptions keepalive_options(const config::DatabaseConfig& database) {
  return {database.keepalives_idle, database.keepalives_interval, database.keepalives_count,
          database.tcp_user_timeout};
}

// API requests: a bounded queue, refused at once when full (503 with Retry-After), and work
// that waited past the acquire timeout fails rather than runs for a client that gave up.
db::PoolOptions api_pool_options(const config::Config& config, metrics::Registry& metrics) {
  db::PoolOptions options;
  options.url = config.database.url;
  options.size = config.database.pool_size;
  options.statement_timeout = config.database.statement_timeout;
  options.max_waiting = config.database.max_waiting;
  options.queue_timeout = options.acquire_timeout;
  options.keepalive = keepalive_options(config.database);
  auto& rejected = metrics.counter("burgernet_db_queue_rejected_total",
                                   "Database work refused at once (answered 503) because the pool's queue was full",
                                   {{"pool", "api"}});
  options.on_rejected = [&rejected] { rejected.inc(); };
  count_pool_waits(options, metrics, "api");
  return options;
}

// Background work: its callers are few and fixed by the configuration, and dropping a batch's
// completion would leave sent rows to be sent again, so its queue is not bounded.
db::PoolOptions worker_pool_options(const config::Config& config, metrics::Registry& metrics) {
  db::PoolOptions options;
  options.url = config.database.url;
  options.size = config.database.worker_pool_size;
  options.statement_timeout = config.database.statement_timeout;
  options.keepalive = keepalive_options(config.database);
  count_pool_waits(options, metrics, "worker");
  return options;
}

void apply_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

constexpr const char* kPartitionsHelp =
    "Monthly partitions of the deliveries table created ahead and dropped past retention";

}  // namespace

Application::Application(config::Config config, std::string config_path)
    : config_path_(std::move(config_path)),
      config_(config),
      api_pool_(api_pool_options(config, metrics_)),
      worker_pool_(worker_pool_options(config, metrics_)),
      keys_(privacy::PersonalDataKeys::load(config.privacy)),
      context_{config_, api_pool_, metrics_, database_, keys_, limiters_, caches_},
      service_(context_, api::make_router(context_)),
      server_(io_, config.http, [this](http::Request& request) { return service_.handle(request); },
              [this](std::string_view path) { return api::body_limit_for(path, *config_.get()); }),
      signals_(io_, SIGTERM, SIGINT, SIGHUP) {
  apply_log_level(config.log_level);
  try {
    keys_checked_ = privacy::check_daemon_keys(*worker_pool_.acquire(), keys_);  // KeyMismatch: exit 2
  } catch (const db::DatabaseError&) {
    // Unreachable now: compared before the database is first called ready (watch_database).
  }
  events_ = std::make_unique<event::ActionEventHub>(
      io_, api_pool_,
      event::HubSettings{config.database.url, db::ConnectionOptions{{}, keepalive_options(config.database)},
                         config.events.heartbeat, config.events.max_streams_per_token});
  context_.events = events_.get();
  metrics::register_build_info(metrics_);
  add_pool_gauges(metrics_, api_pool_, "api");
  add_pool_gauges(metrics_, worker_pool_, "worker");
  metrics_.add_collector([this](metrics::SampleWriter& out) {
    out.gauge_family("burgernet_ready",
                     "1 while the daemon serves (the database answers and has this build's schema), as /readyz; 0 "
                     "otherwise.");
    out.sample(database_.ready() ? 1 : 0);
  });
}

Application::~Application() {
  if (dispatcher_) dispatcher_->join();
  api_pool_.stop();
  worker_pool_.stop();
}

int Application::run() {
  const auto config = config_.get();
  try {
    dispatcher_ = std::make_unique<queue::Dispatcher>(*config, worker_pool_, metrics_, keys_,
                                                      [this] { return database_.ready(); });
  } catch (const channel::ChannelSetupError& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  try {
    server_.listen();
  } catch (const boost::system::system_error& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config->http.host, config->http.port, e.code().message());
    return 1;
  }
  // Before serving: this month's partition of deliveries and the next ones (migration 0009), so
  // that a daemon started after a long stop never meets "no partition of relation found".
  try {
    auto connection = worker_pool_.acquire();
    if (db::schema_version(*connection) >= sql::latest_migration_version()) {
      ensure_delivery_partitions(*connection);
    }
  } catch (const std::exception& e) {
    spdlog::warn("delivery partitions not checked at start (the database is not ready): {}", e.what());
  }
  spdlog::info("burgernetd listening on {}:{}", config->http.host, server_.port());
  server_.start();
  events_->start();
  asio::co_spawn(io_, watch_signals(), asio::detached);
  asio::co_spawn(io_, feed_watchdog(), asio::detached);
  asio::co_spawn(io_, watch_database(), asio::detached);
  asio::co_spawn(io_, run_fanout(), asio::detached);
  asio::co_spawn(io_, run_retention(), asio::detached);
  asio::co_spawn(io_, refresh_outcome_gauges(worker_pool_, metrics_, stopping_, [this] { return database_.ready(); }),
                 asio::detached);
  if (config->queue.dispatch) {
    dispatcher_->start();
  } else {
    spdlog::info("queue.dispatch is false: this daemon sends nothing, other daemons on the database do");
  }

  std::vector<std::thread> threads;
  for (int i = 1; i < config->http.threads; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : threads) t.join();
  dispatcher_->join();
  spdlog::info("burgernetd stopped");
  return exit_code_;
}

asio::awaitable<void> Application::watch_signals() {
  for (;;) {
    const int signal = co_await signals_.async_wait(asio::use_awaitable);
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    spdlog::info("received {}, draining", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    co_await shut_down();
    co_return;
  }
}

// systemd's WatchdogSec=: WATCHDOG=1 at half the interval, from a coroutine on the event loop,
// so that a loop that stops turning (a deadlock, a blocking call that never returns) stops the
// pings and systemd kills and restarts the daemon. Without WatchdogSec= it does nothing.
asio::awaitable<void> Application::feed_watchdog() {
  std::uint64_t interval_us = 0;
  if (sd_watchdog_enabled(0, &interval_us) <= 0 || interval_us == 0) co_return;
  spdlog::info("systemd watchdog: pinging every {} ms", interval_us / 2000);
  asio::steady_timer timer(io_);
  while (!stopping_) {
    sd_notify(0, "WATCHDOG=1");
    timer.expires_after(std::chrono::microseconds(interval_us / 2));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void Application::reload() {
  // systemd shows the unit as "reloading" until READY=1 follows; MONOTONIC_USEC lets it tell
  // this reload from an earlier one.
  sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu", config_path_.c_str(),
             static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::steady_clock::now().time_since_epoch())
                                                 .count()));
  reload_config();
  // Before the first READY=1 (the database not ready yet) a READY=1 here would end the start early.
  sd_notify(0, told_ready_ ? "READY=1\nSTATUS=serving" : "STATUS=reloaded, waiting for the database");
}

void Application::reload_config() {
  try {
    auto next = config::load_config_file(config_path_);
    const auto current = config_.get();
    // The listener and the pool are bound at start; changing them needs a restart.
    if (next.http.host != current->http.host || next.http.port != current->http.port ||
        next.database.url != current->database.url || next.http.tls.enabled() != current->http.tls.enabled() ||
        next.http.tls.client_ca_file != current->http.tls.client_ca_file ||
        next.http.tls.require_client_cert != current->http.tls.require_client_cert) {
      spdlog::warn("SIGHUP: http.host, http.port, turning http.tls on or off, its client certificates and "
                   "database.url take effect only after a restart");
    }
    // A renewed certificate: read before anything else changes, so that a bad file leaves the
    // whole old configuration in place. Open connections keep the certificate they began with.
    if (server_.reload_tls(next.http.tls)) spdlog::info("SIGHUP: TLS certificate and key read again");
    apply_log_level(next.log_level);
    // The dispatcher takes its own copy and logs what it cannot change without a restart.
    if (dispatcher_) dispatcher_->reload(next);
    config_.set(std::move(next));
    spdlog::info("SIGHUP: configuration reloaded from {}", config_path_);
  } catch (const std::exception& e) {
    spdlog::error("SIGHUP: configuration not reloaded, keeping the old one: {}", e.what());
  }
}

asio::awaitable<void> Application::watch_database() {
  asio::steady_timer timer(io_);
  bool was_ready = false;
  bool first = true;
  while (!stopping_) {
    const int wanted = sql::latest_migration_version();
    try {
      // On the API's pool: readiness is about whether requests can be served.
      const int version = co_await api_pool_.run([](db::Connection& c) { return db::schema_version(c); });
      if (version >= wanted && !keys_checked_) {
        keys_checked_ = co_await worker_pool_.run([this](db::Connection& c) {
          try {
            return privacy::check_daemon_keys(c, keys_);
          } catch (const privacy::KeyMismatch& e) {
            spdlog::critical("refusing to run: {}", e.what());
            exit_code_ = 2;
            return false;
          }
        });
        if (exit_code_ != 0) break;
      }
      if (version >= wanted && !was_ready && !first) {
        // Back after an outage or a migration: the months may have turned meanwhile.
        co_await worker_pool_.run([this](db::Connection& c) { ensure_delivery_partitions(c); });
      }
      database_.reachable = true;
      database_.schema_version = version;
      if (version > wanted && first) {
        spdlog::warn("database schema is at version {}, newer than this daemon's {}: serving anyway", version, wanted);
      }
      if (version < wanted && (was_ready || first)) {
        spdlog::error("database schema is at version {}, this daemon needs {}: not serving /v1 until "
                      "`burgernetctl migrate` has run",
                      version, wanted);
      }
    } catch (const db::PoolQueueFull&) {
      // The API is busy, not the database gone: keep the last state and ask again soon.
    } catch (const db::DatabaseError& e) {
      if (database_.reachable || first) spdlog::error("database unavailable: {}", e.what());
      database_.reachable = false;
    }
    const bool ready = database_.ready();
    if (ready && !was_ready) spdlog::info("database reachable, schema version {}: ready", wanted);
    if (ready && !told_ready_) {
      // systemd: ready once the listener is bound and the database answers.
      sd_notify(0, "READY=1\nSTATUS=serving");
      told_ready_ = true;
    } else if (ready != was_ready || first) {
      // `systemctl status` shows it: the first line an operator reads at 3 a.m.
      sd_notify(0, ready ? "STATUS=serving" : "STATUS=not ready: the database is unreachable or its schema is old");
    }
    was_ready = ready;
    first = false;
    timer.expires_after(ready ? std::chrono::seconds(5) : std::chrono::seconds(1));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (exit_code_ != 0) co_await shut_down();  // never ready: nothing was sent with the wrong key
}

// --- The fan-out of large actions (SPEC "Promises of speed") -------------------------------
// Any daemon takes any unfinished action (FOR UPDATE SKIP LOCKED), one committed chunk at a
// time, so several daemons share a national alert and a restart resumes where it stopped.
asio::awaitable<void> Application::run_fanout() {
  asio::steady_timer timer(io_);
  while (!stopping_) {
    bool did_work = false;
    if (database_.ready()) {
      try {
        const auto settings = action::action_settings(*config_.get());
        // By reference: see api/service.cpp on by-value captures inside co_await with g++ 12.
        // Fan-outs first (their rows are what everyone waits for), then updates and closings.
        did_work = co_await worker_pool_.run([&settings](db::Connection& c) {
          return action::fanout_next_chunk(c, settings) || action::area_growth_next_chunk(c, settings) ||
                 action::follow_up_next_chunk(c, settings);
        });
      } catch (const std::exception& e) {
        spdlog::warn("fan-out: chunk not written, retrying: {}", e.what());
      }
    }
    if (did_work) continue;
    // Idle: a new action's first chunk went out with its POST; the next one waits at most this.
    timer.expires_after(std::chrono::milliseconds(100));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}
// --- end of the fan-out -------------------------------------------------------------------

// Every minute, give or take 10 s so that several daemons started together spread out (their
// statements would not collide anyway: they skip each other's rows).
// g++ 12 reports the coroutine frame's sized operator delete as mismatched (a false positive,
// as in http/server.cpp); the frame is allocated and freed by Asio's own operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> Application::run_retention() {
  asio::steady_timer timer(io_);
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> jitter_ms(-10000, 10000);
  while (!stopping_) {
    if (database_.ready()) {
      try {
        const auto config = config_.get();
        const auto purged =
            co_await worker_pool_.run([&config](db::Connection& c) { return privacy::purge_expired(c, *config); });
        const std::pair<const char*, std::int64_t> counts[] = {
            {"device_location", purged.device_locations},
            {"pending_sign_up", purged.pending_sign_ups},
            {"verification_code", purged.verification_codes},
            {"idempotency_key", purged.idempotency_keys},
            {"tip", purged.tips}};
        for (const auto& [what, n] : counts) {
          metrics_
              .counter("burgernet_retention_purged_total",
                       "Rows purged because they outlived their use (docs/privacy.md), by what they held",
                       {{"what", what}})
              .inc(static_cast<double>(n));
        }
        count_delivery_partitions(purged.delivery_partitions);
        if (purged.total() > 0) {
          spdlog::info(
              "retention: purged {} device locations, {} unverified sign-ups, {} expired codes, {} "
              "idempotency records",
              purged.device_locations, purged.pending_sign_ups, purged.verification_codes,
              purged.idempotency_keys);
        }
      } catch (const std::exception& e) {
        spdlog::warn("retention: purge failed, retrying in a minute: {}", e.what());
      }
    }
    timer.expires_after(database_.ready() ? std::chrono::milliseconds(60000 + jitter_ms(random))
                                          : std::chrono::milliseconds(1000));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}
#pragma GCC diagnostic pop

// Not fatal when it fails: the months ahead exist already, and the janitor tries every minute.
void Application::ensure_delivery_partitions(db::Connection& connection) {
  try {
    const int created = privacy::ensure_delivery_partitions(connection);
    if (created > 0) spdlog::info("created {} monthly partitions of deliveries", created);
    metrics_.counter("burgernet_delivery_partitions_total", kPartitionsHelp, {{"event", "created"}})
        .inc(static_cast<double>(created));
  } catch (const db::DatabaseError& e) {
    spdlog::warn("delivery partitions not checked, the janitor retries within a minute: {}", e.what());
  }
}

// Rows of dropped months count as purged rows (what="delivery"); the partitions themselves
// have their own counter, and a gauge shows the months kept past retention for unsent rows.
void Application::count_delivery_partitions(const privacy::DeliveryPartitions& partitions) {
  metrics_
      .counter("burgernet_retention_purged_total",
               "Rows purged because they outlived their use (docs/privacy.md), by what they held",
               {{"what", "delivery"}})
      .inc(static_cast<double>(partitions.rows_dropped));
  metrics_.counter("burgernet_delivery_partitions_total", kPartitionsHelp, {{"event", "created"}})
      .inc(static_cast<double>(partitions.created));
  metrics_.counter("burgernet_delivery_partitions_total", kPartitionsHelp, {{"event", "dropped"}})
      .inc(static_cast<double>(partitions.dropped));
  metrics_
      .gauge("burgernet_delivery_partitions_kept_busy",
             "Delivery partitions past retention kept because rows in them are still queued or sending")
      .set(static_cast<double>(partitions.kept_busy.size()));
}

asio::awaitable<void> Application::shut_down() {
  stopping_ = true;
  sd_notify(0, "STOPPING=1");
  server_.stop();
  events_->stop();  // open event streams end, so their connections close within the drain
  // Stop claiming; batches in flight finish and unsent claims go back to the queue.
  dispatcher_->request_stop();
  const auto deadline = std::chrono::steady_clock::now() + config_.get()->http.drain_timeout;
  asio::steady_timer timer(io_);
  while ((server_.active_connections() > 0 || server_.requests_in_flight() > 0 || !dispatcher_->stopped()) &&
         std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (server_.requests_in_flight() > 0) {
    spdlog::warn("drain timeout: {} requests still in flight are cut off", server_.requests_in_flight());
  }
  if (!dispatcher_->stopped()) {
    spdlog::warn("drain timeout: deliveries still being sent stay leased until the rescuer returns them");
  }
  io_.stop();
}

}  // namespace burgernet::app
