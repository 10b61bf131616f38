// The pool's hooks behind burgernet_db_pool_wait_seconds and burgernet_db_pool_timeouts_total:
// a wait is reported with its length, and work that gives up waiting is counted.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "burgernet/db/errors.hpp"
#include "burgernet/db/pool.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

TEST(PoolMetrics, AWaitIsReportedWithItsLengthAndAGiveUpIsCounted) {
  TestDatabase database;
  std::mutex mutex;
  std::vector<double> waits;
  std::atomic<int> timeouts{0};
  db::PoolOptions options;
  options.url = database.url();
  options.size = 1;
  options.acquire_timeout = 300ms;
  options.on_waited = [&](double seconds) {
    std::lock_guard lock(mutex);
    waits.push_back(seconds);
  };
  options.on_timed_out = [&] { ++timeouts; };
  db::Pool pool(options);

  {
    std::optional<db::Pool::Lease> held(pool.acquire());
    // The only connection is taken: the next acquire waits its 300 ms and gives up.
    std::thread other([&] { EXPECT_THROW(pool.acquire(), db::DatabaseUnavailable); });
    other.join();
    EXPECT_EQ(timeouts.load(), 1);
    // Given back after 200 ms: a waiter gets it then and reports about that long.
    std::thread waiter([&] { auto lease = pool.acquire(); });
    std::this_thread::sleep_for(200ms);
    held.reset();
    waiter.join();
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(waits.size(), 2u);  // the first acquire, and the waiter
  EXPECT_LT(waits[0], 0.1);
  EXPECT_GE(waits[1], 0.1);  // less if its thread started late
  EXPECT_LT(waits[1], 2.0);
  EXPECT_EQ(timeouts.load(), 1);
}

}  // namespace
}  // namespace burgernet::testing
