// Wiring of the queue's units, the workers' loop, their supervision, and SIGHUP.
#include "burgernet/queue/dispatcher.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "burgernet/channel/registry.hpp"
#include "burgernet/queue/retry_policy.hpp"
#include "queue/batch_completer.hpp"
#include "queue/claim_size.hpp"
#include "queue/claimer.hpp"
#include "queue/lease_keeper.hpp"
#include "queue/sender.hpp"
#include "queue/supervisor.hpp"

namespace burgernet::queue {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::string unique_process_id() {
  std::random_device device;
  char host[64] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(device());
}

// The whole JSON object is kept in `settings`, so two configs of a channel are the same when
// their driver and object are; defaults are the same on both sides.
bool same_settings(const config::ChannelConfig& a, const config::ChannelConfig& b) {
  return a.driver == b.driver && a.settings == b.settings;
}

// A secret read from a file may have been rotated without a change to the config itself.
bool reads_files(const config::ChannelConfig& channel) {
  for (const auto& [key, value] : channel.settings.items()) {
    if (key.ends_with("_file") && value.is_string() && !value.get<std::string>().empty()) return true;
  }
  return false;
}

}  // namespace

Dispatcher::Dispatcher(const config::Config& config, db::Pool& pool, metrics::Registry& metrics,
                       const privacy::PersonalDataKeys& keys, std::function<bool()> database_ready)
    : config_(config), pool_(pool), metrics_(metrics), keys_(keys), process_id_(unique_process_id()),
      random_(std::random_device{}()) {
  channels_ = channel::make_channels(config, blocking_.get_executor());
  database_ready_ = std::move(database_ready);
  keeper_ = std::make_unique<LeaseKeeper>(pool_, [this] { return config_.queue.lease; });
  completer_ = std::make_unique<BatchCompleter>(pool_, *keeper_, metrics_);
  render_options_.sms_max_segments = static_cast<std::size_t>(config.sms_max_segments);
  render_options_.regions = config.regions;
  restarts_ = &metrics_.counter("burgernet_queue_unit_restarts_total",
                                "Queue workers and units restarted after an unexpected error.");
  for (const auto& [name, settings] : config_.channels) {
    channel_state_[name].send_seconds = &metrics_.histogram(
        "burgernet_send_seconds", "Time to send one batch through a channel.", {{"channel", name}});
  }
  held_sources_ = channels_;
  metrics_.add_collector([this](metrics::SampleWriter& out) {
    std::lock_guard lock(held_mutex_);
    out.counter_family("burgernet_channel_held_total",
                       "Messages a channel held back without offering them, per reason (docs/channels.md).");
    for (const auto& [name, channel] : held_sources_) {
      auto counts = channel->held_counts();
      if (const auto retired = held_retired_.find(name); retired != held_retired_.end()) {
        for (const auto& [reason, n] : retired->second) counts[reason] += n;
      }
      for (const auto& [reason, n] : counts) out.sample(static_cast<double>(n), {{"channel", name}, {"reason", reason}});
    }
  });
  metrics_.add_collector([this](metrics::SampleWriter& out) {
    std::lock_guard lock(held_mutex_);
    out.gauge_family("burgernet_circuit_state",
                     "State of a channel's circuit breaker: 0 closed, 1 half-open (probing), 2 open.");
    std::map<std::string, std::uint64_t> transitions;
    for (const auto& [name, channel] : held_sources_) {
      const auto reading = channel->circuit();
      if (!reading) continue;
      out.sample(reading->state, {{"channel", name}});
      transitions[name] = reading->transitions;
    }
    out.counter_family("burgernet_circuit_transitions_total",
                       "Changes of state of a channel's circuit breaker (closed, half-open, open).");
    for (const auto& [name, n] : transitions) {
      const auto retired = circuit_retired_.find(name);
      out.sample(static_cast<double>(n + (retired == circuit_retired_.end() ? 0 : retired->second)),
                 {{"channel", name}});
    }
  });
  metrics_.add_collector([this](metrics::SampleWriter& out) { write_queue_figures(out); });
}

Dispatcher::~Dispatcher() { join(); }

void Dispatcher::supervise(std::string name, std::function<asio::awaitable<void>()> start,
                           std::atomic<int>* running) {
  if (running) ++*running;
  spawn_supervised(io_, Supervised{std::move(name), std::move(start), [this] { return stopping_; },
                                   [running] {
                                     if (running) --*running;
                                   },
                                   restarts_});
}

void Dispatcher::start() {
  for (const auto& [name, settings] : config_.channels) {
    for (int i = 0; i < std::max(1, settings.concurrency); ++i) {
      supervise("worker " + name + "/" + std::to_string(i), [this, name, i] { return worker(name, i); }, &workers_);
    }
  }
  // The keeper and the completer outlive the workers: they hold and write the last outcomes.
  const auto finished = [this] { return workers_done(); };
  supervise("lease keeper", [this, finished] { return keeper_->run(finished); }, &units_);
  supervise("batch completer", [this, finished] { return completer_->run(finished); }, &units_);
  supervise("listener", [this] { return listen(); }, nullptr);
  supervise("rescuer", [this] { return rescue(); }, nullptr);
  supervise("depth gauge", [this] { return refresh_depth(); }, nullptr);
  thread_ = std::thread([this] { io_.run(); });
}

void Dispatcher::request_stop() {
  asio::post(io_, [this] {
    stopping_ = true;
    wake_all();
  });
}

void Dispatcher::join() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
  blocking_.join();
}

void Dispatcher::reload(const config::Config& next) {
  asio::post(io_, [this, next] { apply(next); });
}

// On the dispatcher's thread, so config_ and channels_ change between two batches of a worker.
void Dispatcher::apply(config::Config next) {
  if (next.queue.dispatch != config_.queue.dispatch) {
    spdlog::warn("SIGHUP: queue.dispatch takes effect only after a restart");
    next.queue.dispatch = config_.queue.dispatch;
  }
  // Workers exist per channel and per concurrency slot from the start: the running set stays.
  for (const auto& [name, running] : config_.channels) {
    const auto wanted = next.channels.find(name);
    if (wanted == next.channels.end()) {
      spdlog::warn("SIGHUP: channel {} was removed from the config; it keeps sending with its old settings "
                   "until a restart",
                   name);
      next.channels.emplace(name, running);
      continue;
    }
    if (wanted->second.concurrency != running.concurrency) {
      spdlog::warn("SIGHUP: channels.{}.concurrency takes effect only after a restart ({} workers keep running)",
                   name, running.concurrency);
    }
  }
  for (auto it = next.channels.begin(); it != next.channels.end();) {
    if (config_.channels.contains(it->first)) {
      ++it;
      continue;
    }
    spdlog::warn("SIGHUP: channel {} is new; it is set up only after a restart, its deliveries wait meanwhile",
                 it->first);
    it = next.channels.erase(it);
  }

  for (auto& [name, wanted] : next.channels) {
    const auto& running = config_.channels.at(name);
    wanted.concurrency = running.concurrency;  // the number of workers that actually run
    if (same_settings(wanted, running) && !reads_files(wanted)) continue;
    config::Config one;
    one.channels.emplace(name, wanted);
    try {
      auto replacement = channel::make_channels(one, blocking_.get_executor()).at(name);
      {
        // The counters go on from where the old object's stopped.
        std::lock_guard lock(held_mutex_);
        for (const auto& [reason, n] : channels_.at(name)->held_counts()) held_retired_[name][reason] += n;
        if (const auto reading = channels_.at(name)->circuit()) circuit_retired_[name] += reading->transitions;
        held_sources_[name] = replacement;
      }
      channels_[name] = std::move(replacement);
      if (!same_settings(wanted, running)) spdlog::info("SIGHUP: channel {} uses its new settings", name);
    } catch (const std::exception& e) {
      // The drivers' messages name the key and the file, never a secret's content.
      spdlog::error("SIGHUP: channel {} keeps its old settings, the new ones cannot be set up: {}", name, e.what());
      wanted = running;
    }
  }
  // Reconnecting the LISTEN connection on the fly is not worth it: the pool is bound anyway.
  next.database = config_.database;
  config_ = std::move(next);
  render_options_.sms_max_segments = static_cast<std::size_t>(config_.sms_max_segments);
  render_options_.regions = config_.regions;  // SIGHUP: the next batch uses the new regions
  wake_all();  // a shorter poll or a larger batch applies now, not after the current sleep
}

void Dispatcher::wake_all() {
  for (auto* timer : sleepers_) timer->cancel();
}

milliseconds Dispatcher::jittered_poll() {
  const auto base = config_.queue.poll.count();
  std::uniform_int_distribution<long long> spread(base / 2, base + base / 2);
  return milliseconds(std::max<long long>(10, spread(random_)));
}

asio::awaitable<void> Dispatcher::sleep(milliseconds duration) {
  asio::steady_timer timer(io_, duration);
  sleepers_.insert(&timer);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  sleepers_.erase(&timer);
}

asio::awaitable<void> Dispatcher::worker(std::string channel_name, int index) {
  // Every claim has its own owner: a completion applies only to the claim that sent the row,
  // even when the same worker claims the same row again after losing it.
  const std::string worker_id = process_id_ + ":" + channel_name + ":" + std::to_string(index);
  std::uint64_t claims = 0;
  while (!stopping_) {
    if (completer_->full() || !database_ready_()) {
      co_await sleep(config_.queue.poll);
      continue;
    }
    // Read per batch: SIGHUP may have changed them (apply()).
    auto& state = channel_state_[channel_name];
    const auto& settings = config_.channels.at(channel_name);
    const int size = claim_size({config_.queue.batch_size, config_.queue.lease, settings.rate_per_s,
                                 std::max(1, settings.concurrency), state.seconds_per_row});
    const std::string owner = worker_id + ":" + std::to_string(++claims);
    const auto claimed_at = LeaseKeeper::Clock::now();
    std::vector<ClaimedRow> rows;
    try {
      rows = co_await claim_rows(pool_, keys_, channel_name, size, owner,
                                 static_cast<double>(config_.queue.lease.count()));
    } catch (const std::exception& e) {
      spdlog::warn("queue {}: claim failed: {}", channel_name, e.what());
    }
    if (rows.empty()) {
      co_await sleep(jittered_poll());
      continue;
    }
    for (const auto& row : rows) keeper_->hold(row.id, owner, claimed_at);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const SendContext context{channel_name,
                              settings.capabilities,
                              channels_.at(channel_name),
                              *keeper_,
                              *completer_,
                              render_options_,
                              RetryPolicy{config_.queue.retry_base, config_.queue.retry_max},
                              [this, unit]() mutable { return unit(random_); },
                              stopping_,
                              *state.send_seconds};
    const auto stats = co_await send_claimed(context, owner, std::move(rows));
    if (stats.offered > 0) {
      state.seconds_per_row = updated_seconds_per_row(state.seconds_per_row, stats.seconds, stats.offered);
    }
  }
}

}  // namespace burgernet::queue
