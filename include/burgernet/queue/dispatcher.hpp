// The delivery queue's units on a loop and thread of their own: per channel, workers that claim
// and send; one lease keeper, one batch completer, a listener and the maintenance (rescuer,
// expiry, depth gauge). docs/architecture.md ("Sending") shows how they fit.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <functional>
#include <vector>

#include "burgernet/channel/channel.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/message/render.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::queue {

class LeaseKeeper;
class BatchCompleter;

class Dispatcher {
 public:
  // Throws channel::ChannelSetupError for a channel this build cannot set up. Nothing touches
  // the database while `database_ready` says no (unreachable, or a schema behind this build:
  // a claim during a migration would lock the tables the migration alters).
  Dispatcher(const config::Config& config, db::Pool& pool, metrics::Registry& metrics,
             const privacy::PersonalDataKeys& keys, std::function<bool()> database_ready = [] { return true; });
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  ~Dispatcher();

  void start();
  // Stops claiming; batches in flight finish, unsent claims are released, outcomes are written.
  void request_stop();
  // True once every worker has returned after request_stop() and every outcome is written.
  bool stopped() const { return workers_.load() == 0 && units_.load() == 0; }
  // Ends the loop (after the drain, or when the drain timed out) and joins its thread.
  void join();
  // SIGHUP, from any thread: the next batch of each channel whose settings changed goes through
  // a new channel object (batches in flight finish with the old one), and the queue settings
  // that are read per batch take effect. What needs a restart is logged and left as it runs
  // (docs/configuration.md). A channel that cannot be set up keeps its old object.
  void reload(const config::Config& next);

 private:
  struct ChannelState {
    std::optional<double> seconds_per_row;  // per worker, measured (queue/claim_size.hpp)
    metrics::Histogram* send_seconds = nullptr;
  };
  boost::asio::awaitable<void> worker(std::string channel_name, int index);
  boost::asio::awaitable<void> listen();
  boost::asio::awaitable<void> rescue();
  boost::asio::awaitable<void> refresh_depth();
  void write_queue_figures(metrics::SampleWriter& out);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
  void supervise(std::string name, std::function<boost::asio::awaitable<void>()> start, std::atomic<int>* running);
  // Stopping, and every worker has handed over its last outcomes.
  bool workers_done() const { return stopping_ && workers_.load() == 0; }
  void apply(config::Config next);
  void wake_all();
  std::chrono::milliseconds jittered_poll();

  config::Config config_;
  db::Pool& pool_;
  metrics::Registry& metrics_;
  const privacy::PersonalDataKeys& keys_;
  boost::asio::io_context io_;  // one thread: the dispatcher's state needs no locks
  boost::asio::thread_pool blocking_{2};
  std::map<std::string, std::shared_ptr<channel::Channel>> channels_;
  std::function<bool()> database_ready_;
  std::map<std::string, ChannelState> channel_state_;
  std::unique_ptr<LeaseKeeper> keeper_;
  std::unique_ptr<BatchCompleter> completer_;
  message::RenderOptions render_options_;
  std::string process_id_;
  std::thread thread_;
  std::set<boost::asio::steady_timer*> sleepers_;
  std::mt19937_64 random_;
  std::atomic<int> workers_{0};  // workers not yet returned
  std::atomic<int> units_{0};    // the lease keeper and the completer: they return after the workers
  bool stopping_ = false;
  metrics::Counter* restarts_ = nullptr;
  // The channels' held counts, read by the scrape on its own thread (channels_ is the loop's).
  std::mutex held_mutex_;
  std::map<std::string, std::shared_ptr<channel::Channel>> held_sources_;
  std::map<std::string, std::map<std::string, std::uint64_t>> held_retired_;  // of channels replaced by SIGHUP
  std::map<std::string, std::uint64_t> circuit_retired_;  // breaker transitions of channels replaced by SIGHUP
  // What refresh_depth() last read from the database, for the scrape.
  struct QueueFigures {
    std::vector<std::tuple<std::string, std::string, double>> depth;  // channel, status, rows
    std::map<std::string, double> oldest_due_s;                       // per channel
    std::optional<double> fanout_lag_s;
    std::optional<double> urgent_unsent;
  };
  std::mutex depth_mutex_;
  QueueFigures figures_;
};

}  // namespace burgernet::queue
