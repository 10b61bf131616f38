// A bounded pool of connections, each used by one thread at a time, the threads that run
// blocking libpq work off the I/O threads, and a bounded queue of the work waiting for them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/db/connection.hpp"

namespace burgernet::db {

struct PoolOptions {
  std::string url;
  std::size_t size = 8;
  std::chrono::milliseconds statement_timeout{10000};
  // How long a caller waits for a free connection before the request is answered 503.
  std::chrono::milliseconds acquire_timeout{5000};
  // How many run() calls may wait for a thread besides the `size` running; one more fails at
  // once with PoolQueueFull (a DatabaseUnavailable: 503 with Retry-After). nullopt: no bound,
  // for the workers, whose number the configuration bounds already and whose work (completing
  // a batch that was sent) must not be dropped.
  std::optional<std::size_t> max_waiting;
  // Work that waited longer than this for a thread fails with DatabaseUnavailable instead of
  // running: its caller has been answered or has given up. 0: it runs however late.
  std::chrono::milliseconds queue_timeout{0};
  KeepaliveOptions keepalive;
  // Called (on the caller's thread) for each run() refused because the queue was full.
  std::function<void()> on_rejected;
  // Called on a database thread with the seconds a run() (from its call) or an acquire() waited
  // until it had a connection slot, and for each one that gave up waiting (acquire_timeout,
  // queue_timeout), for the metrics. Must not throw.
  std::function<void(double)> on_waited;
  std::function<void()> on_timed_out;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // A connection held for the lifetime of the lease, healthy when handed out (reconnected if
  // the server restarted since). Throws DatabaseUnavailable when none can be had.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };
  Lease acquire() { return acquire(std::chrono::steady_clock::now()); }

  // Runs `work(Connection&)` on the database threads and resumes the caller with its result
  // or its exception. The I/O thread never waits on the database.
  // Throws PoolQueueFull at once when options().max_waiting calls are waiting already.
  template <typename Work>
  auto run(Work work) -> boost::asio::awaitable<decltype(work(std::declval<Connection&>()))> {
    using Out = decltype(work(std::declval<Connection&>()));
    const Admission admission(*this);
    const auto queued_at = std::chrono::steady_clock::now();
    co_return co_await boost::asio::co_spawn(
        threads_,
        [this, queued_at, work = std::move(work)]() mutable -> boost::asio::awaitable<Out> {
          check_queue_time(queued_at);
          auto lease = acquire(queued_at);
          co_return work(*lease);
        },
        boost::asio::use_awaitable);
  }

  // run() calls admitted and not finished: running, or waiting for a thread.
  std::size_t pending() const { return pending_.load(); }

  // Stops the database threads after the work in progress; further run() calls fail.
  void stop();
  const PoolOptions& options() const { return options_; }

 private:
  // `since`: when the caller started waiting, for on_waited.
  Lease acquire(std::chrono::steady_clock::time_point since);
  void release(std::unique_ptr<Connection> connection);
  void check_queue_time(std::chrono::steady_clock::time_point queued_at) const;

  // One run() call counted in pending_ from its admission to its end.
  class Admission {
   public:
    explicit Admission(Pool& pool);
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission();

   private:
    Pool& pool_;
  };

  PoolOptions options_;
  ConnectionOptions connection_options_;
  std::atomic<std::size_t> pending_{0};
  boost::asio::thread_pool threads_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // connections handed out or idle
};

}  // namespace burgernet::db
