// The delivery queue's workers, listener and rescuer, on a loop and thread of their own.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "burgernet/channel/channel.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/message/render.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::queue {

class Dispatcher {
 public:
  // Throws channel::ChannelSetupError for a channel this build cannot set up.
  Dispatcher(const config::Config& config, db::Pool& pool, metrics::Registry& metrics,
             const privacy::PersonalDataKeys& keys);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  ~Dispatcher();

  void start();
  // Stops claiming; batches in flight finish and unsent claims are released.
  void request_stop();
  // True once every worker has returned after request_stop().
  bool stopped() const { return running_.load() == 0; }
  // Ends the loop (after the drain, or when the drain timed out) and joins its thread.
  void join();
  // SIGHUP, from any thread: the next batch of each channel whose settings changed goes through
  // a new channel object (batches in flight finish with the old one), and the queue settings
  // that are read per batch take effect. What needs a restart is logged and left as it runs
  // (docs/configuration.md). A channel that cannot be set up keeps its old object.
  void reload(const config::Config& next);

 private:
  struct Row;
  boost::asio::awaitable<void> worker(std::string channel_name, int index);
  boost::asio::awaitable<void> process(const std::string& channel_name, const std::string& owner,
                                       std::vector<Row> rows);
  boost::asio::awaitable<void> send_and_complete(const std::string& channel_name, const std::string& owner,
                                                 std::vector<channel::OutboundMessage> batch,
                                                 std::map<std::int64_t, int> attempts);
  boost::asio::awaitable<void> listen();
  boost::asio::awaitable<void> rescue();
  boost::asio::awaitable<void> refresh_depth();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
  void apply(config::Config next);
  int claim_size(const std::string& channel_name) const;
  void open_sealed(Row& row) const;
  void wake_all();
  std::chrono::milliseconds jittered_poll();

  config::Config config_;
  db::Pool& pool_;
  metrics::Registry& metrics_;
  const privacy::PersonalDataKeys& keys_;
  boost::asio::io_context io_;  // one thread: the dispatcher's state needs no locks
  boost::asio::thread_pool blocking_{2};
  std::map<std::string, std::shared_ptr<channel::Channel>> channels_;
  message::RenderOptions render_options_;
  std::string process_id_;
  std::thread thread_;
  std::set<boost::asio::steady_timer*> sleepers_;
  std::mt19937_64 random_;
  std::atomic<int> running_{0};
  bool stopping_ = false;
  std::mutex depth_mutex_;
  std::vector<std::tuple<std::string, std::string, double>> depth_;
};

}  // namespace burgernet::queue
