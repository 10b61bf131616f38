// The pool under load and against a vanishing server: a full queue is refused at once, stale
// work is not run, and every TCP connection carries keepalives and TCP_USER_TIMEOUT.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "burgernet/db/errors.hpp"
#include "burgernet/db/pool.hpp"
#include "db/pg_proxy.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Runs coroutines on a thread of its own; each run() hands back a future of its outcome.
class Loop {
 public:
  Loop() : thread_([this] { io_.run(); }) {}
  ~Loop() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  // Runs `sql` on the pool; the future holds how long it took, or its exception.
  std::future<Clock::duration> run(db::Pool& pool, std::string sql) {
    auto promise = std::make_shared<std::promise<Clock::duration>>();
    auto future = promise->get_future();
    const auto started = Clock::now();
    asio::co_spawn(
        io_,
        [&pool, sql = std::move(sql)]() -> asio::awaitable<void> {
          co_await pool.run([&sql](db::Connection& c) {
            c.exec_script("test", sql);
            return 0;
          });
        },
        [promise, started](std::exception_ptr e) {
          if (e) {
            promise->set_exception(e);
          } else {
            promise->set_value(Clock::now() - started);
          }
        });
    return future;
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread thread_;
};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class PoolTest : public DatabaseTest {};

// `size` connections, a 10 s statement timeout, a 5 s acquire timeout, no bound on the queue.
db::PoolOptions pool_options(const std::string& url, std::size_t size) {
  db::PoolOptions options;
  options.url = url;
  options.size = size;
  options.statement_timeout = 10000ms;
  options.acquire_timeout = 5000ms;
  return options;
}

TEST_F(PoolTest, AFullQueueIsRefusedAtOnceNotAfterTheAcquireTimeout) {
  int rejected = 0;
  auto options = pool_options(database.url(), 1);
  options.max_waiting = 1;
  options.on_rejected = [&rejected] { ++rejected; };
  db::Pool pool(options);
  Loop loop;
  auto busy = loop.run(pool, "SELECT pg_sleep(1.5)");
  auto waiting = loop.run(pool, "SELECT 1");
  ASSERT_TRUE(wait_until([&] { return pool.pending() == 2; }, 2s));

  const auto started = Clock::now();
  auto refused = loop.run(pool, "SELECT 1");
  EXPECT_THROW(refused.get(), db::PoolQueueFull);
  EXPECT_LT(Clock::now() - started, 500ms) << "refused at once, not after acquire_timeout";
  EXPECT_EQ(rejected, 1);
  // A PoolQueueFull is a DatabaseUnavailable: the API answers it 503 with Retry-After.
  auto also_refused = loop.run(pool, "SELECT 1");
  EXPECT_THROW(also_refused.get(), db::DatabaseUnavailable);

  EXPECT_NO_THROW(busy.get());
  EXPECT_NO_THROW(waiting.get());
  EXPECT_EQ(pool.pending(), 0u);
  EXPECT_NO_THROW(loop.run(pool, "SELECT 1").get()) << "room again once the queue drained";
}

TEST_F(PoolTest, AnUnboundedPoolQueuesEverything) {
  auto options = pool_options(database.url(), 1);
  db::Pool pool(options);
  Loop loop;
  std::vector<std::future<Clock::duration>> runs;
  runs.push_back(loop.run(pool, "SELECT pg_sleep(0.3)"));
  for (int i = 0; i < 20; ++i) runs.push_back(loop.run(pool, "SELECT 1"));
  for (auto& r : runs) EXPECT_NO_THROW(r.get());
}

TEST_F(PoolTest, WorkThatWaitedPastTheQueueTimeoutFailsInsteadOfRunning) {
  auto options = pool_options(database.url(), 1);
  options.max_waiting = 4;
  options.queue_timeout = 300ms;
  db::Pool pool(options);
  Loop loop;
  auto busy = loop.run(pool, "SELECT pg_sleep(1)");
  ASSERT_TRUE(wait_until([&] { return pool.pending() == 1; }, 2s));
  auto late = loop.run(pool, "CREATE TABLE ran_late (x int)");
  EXPECT_THROW(late.get(), db::DatabaseUnavailable);
  EXPECT_NO_THROW(busy.get());
  EXPECT_EQ(database.scalar("SELECT count(*) FROM pg_class WHERE relname = 'ran_late'"), "0");
}

int tcp_option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &length), 0);
  return value;
}

// Over TCP (the proxy's loopback port): the socket libpq opened has the options set.
TEST_F(PoolTest, EveryPoolConnectionCarriesKeepalivesAndTheUserTimeout) {
  PgProxy proxy(database.url());
  auto options = pool_options(proxy.url(), 1);
  options.keepalive = {7s, 3s, 4, 9000ms};
  db::Pool pool(options);
  auto lease = pool.acquire();
  const int fd = PQsocket(lease->native());
  EXPECT_EQ(tcp_option(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(tcp_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7);
  EXPECT_EQ(tcp_option(fd, IPPROTO_TCP, TCP_KEEPINTVL), 3);
  EXPECT_EQ(tcp_option(fd, IPPROTO_TCP, TCP_KEEPCNT), 4);
  EXPECT_EQ(tcp_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 9000);

  // A plain Connection (the dispatcher's LISTEN, burgernetctl) gets the defaults.
  db::Connection plain(proxy.url());
  const int plain_fd = PQsocket(plain.native());
  EXPECT_EQ(tcp_option(plain_fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(tcp_option(plain_fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 10000);
}

// A nested db::Transaction is a savepoint: rolling it back keeps the outer one usable.
TEST_F(PoolTest, ANestedTransactionIsASavepoint) {
  auto& c = database.connection();
  c.exec_script("create", "CREATE TABLE t (x int)");
  {
    db::Transaction outer(c);
    c.exec_script("insert", "INSERT INTO t VALUES (1)");
    {
      db::Transaction inner(c);
      c.exec_script("insert", "INSERT INTO t VALUES (2)");
      EXPECT_THROW(c.exec_script("bad", "SELECT 1/0"), db::DatabaseError);
    }  // rolled back to the savepoint: the error is gone with it
    {
      db::Transaction inner(c);
      c.exec_script("insert", "INSERT INTO t VALUES (3)");
      inner.commit();
    }
    outer.commit();
  }
  EXPECT_EQ(database.scalar("SELECT string_agg(x::text, ',' ORDER BY x) FROM t"), "1,3");
  EXPECT_FALSE(c.in_transaction());
}

}  // namespace
}  // namespace burgernet::testing
