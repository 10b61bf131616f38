// A bounded pool of connections, each used by one thread at a time, and the threads that run
// blocking libpq work off the I/O threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
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
  Lease acquire();

  // Runs `work(Connection&)` on the database threads and resumes the caller with its result
  // or its exception. The I/O thread never waits on the database.
  template <typename Work>
  auto run(Work work) -> boost::asio::awaitable<decltype(work(std::declval<Connection&>()))> {
    using Out = decltype(work(std::declval<Connection&>()));
    co_return co_await boost::asio::co_spawn(
        threads_,
        [this, work = std::move(work)]() mutable -> boost::asio::awaitable<Out> {
          auto lease = acquire();
          co_return work(*lease);
        },
        boost::asio::use_awaitable);
  }

  // Stops the database threads after the work in progress; further run() calls fail.
  void stop();
  const PoolOptions& options() const { return options_; }

 private:
  void release(std::unique_ptr<Connection> connection);

  PoolOptions options_;
  boost::asio::thread_pool threads_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // connections handed out or idle
};

}  // namespace burgernet::db
