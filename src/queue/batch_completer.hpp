// Writes the outcomes of many batches, of every channel, in one statement (River's batch
// completer): workers hand their outcomes over and claim their next batch at once.
//
// An outcome that cannot be written (the database is gone) is kept and written again with
// backoff, while the lease keeper goes on extending its row's lease: never dropped for the
// rescuer to send again. The backlog is bounded: full() tells the workers to stop claiming.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "burgernet/db/pool.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/queue/outcome.hpp"
#include "queue/lease_keeper.hpp"

namespace burgernet::queue {

class BatchCompleter {
 public:
  BatchCompleter(db::Pool& pool, LeaseKeeper& keeper, metrics::Registry& metrics);
  BatchCompleter(const BatchCompleter&) = delete;
  BatchCompleter& operator=(const BatchCompleter&) = delete;

  void add(std::vector<Outcome> outcomes);
  // Outcomes not yet written, including those being written now.
  std::size_t pending() const { return queued_.size() + writing_; }
  bool full() const { return pending() >= kMostPending; }

  // Writes what comes in until `finished()` and nothing is pending.
  boost::asio::awaitable<void> run(std::function<bool()> finished);

  // Workers stop claiming at this many rows waiting for their outcome to be written.
  static constexpr std::size_t kMostPending = 50000;

 private:
  struct ChannelSeries {
    metrics::Counter *sent, *retried, *failed, *lease_lost;
  };
  struct Written {
    std::vector<std::int64_t> ids;                     // rows whose outcome applied
    std::vector<std::pair<bool, double>> action_sends;  // (first send of its action, seconds since raised)
  };
  boost::asio::awaitable<Written> write(const std::vector<Outcome>& batch);
  void count(const std::vector<Outcome>& batch, const Written& written, bool first_try);
  ChannelSeries& series(const std::string& channel);

  db::Pool& pool_;
  LeaseKeeper& keeper_;
  metrics::Registry& metrics_;
  std::deque<Outcome> queued_;
  std::size_t writing_ = 0;
  boost::asio::steady_timer* wake_ = nullptr;
  std::map<std::string, ChannelSeries> series_;
  metrics::Histogram *first_send_ = nullptr, *last_send_ = nullptr;
  metrics::Counter* write_failures_ = nullptr;
};

}  // namespace burgernet::queue
