// The daemon when the database is slow or busy: API requests have connections the senders
// cannot take, and a full queue is answered 503 at once.
#include <gtest/gtest.h>

#include <future>

#include "burgernet/db/connection.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class DatabaseResilienceTest : public DatabaseTest {
 protected:
  void start(nlohmann::json database_keys, nlohmann::json queue) {
    auto config = daemon_config(database.url(), make_temp_dir("burgernet-outbox-"));
    for (const auto& [key, value] : database_keys.items()) config["database"][key] = value;
    config["queue"] = std::move(queue);
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    std::string out, err;
    ASSERT_EQ(run_ctl(daemon_->config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out, &err),
              0)
        << err;
    token_ = out.substr(0, out.find_last_not_of('\n') + 1);
  }
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }
  // Backends of this database waiting for a lock.
  int waiting_on_locks() {
    return std::stoi(database.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"));
  }
  bool wait_for_waiters(int at_least) {
    const auto deadline = Clock::now() + 10s;
    while (waiting_on_locks() < at_least) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }
  std::future<HttpResult> list_async() {
    return std::async(std::launch::async, [this] { return HttpClient(daemon_->port(), token_).get("/v1/actions"); });
  }

  std::unique_ptr<DaemonProcess> daemon_;
  std::string token_;
};

// Every worker connection waits on a lock the test holds on deliveries (as behind a statement
// that takes long); the operator's request has its own pool and answers at once. Before, one
// pool served both and the request waited behind the senders until the lock went.
TEST_F(DatabaseResilienceTest, AnApiRequestAnswersWhileEveryWorkerConnectionIsBusy) {
  start({{"pool_size", 2}, {"worker_pool_size", 2}}, {{"dispatch", true}, {"poll_ms", 50}});
  db::Connection locker(database.url());
  locker.exec_script("lock", "BEGIN; LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE");
  ASSERT_TRUE(wait_for_waiters(2)) << "the workers never blocked";

  const auto started = Clock::now();
  auto answer = list_async();
  const bool quick = answer.wait_for(2s) == std::future_status::ready;
  const auto took = Clock::now() - started;
  locker.exec_script("unlock", "ROLLBACK");
  EXPECT_TRUE(quick) << "the API request waited behind the workers";
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(answer.get().status, 200);
  // The workers carry on once the lock is gone.
  EXPECT_TRUE(database.wait_for(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", "0",
      5s));
}

// One API connection, one waiter: a third request is refused at once with 503 and Retry-After,
// not after the acquire timeout, and the refusal is counted.
TEST_F(DatabaseResilienceTest, AFullApiQueueIsAnswered503AtOnce) {
  start({{"pool_size", 1}, {"max_waiting", 1}}, {{"dispatch", false}});
  db::Connection locker(database.url());
  locker.exec_script("lock", "BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE");
  auto first = list_async();  // holds the only API connection, waiting on the lock
  ASSERT_TRUE(wait_for_waiters(1));
  auto second = list_async();  // waits for that connection
  std::this_thread::sleep_for(300ms);

  const auto started = Clock::now();
  const auto refused = HttpClient(daemon_->port(), token_).get("/v1/actions");
  const auto took = Clock::now() - started;
  locker.exec_script("unlock", "ROLLBACK");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.error_code(), "database_busy");
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_LT(took, 1s);

  EXPECT_EQ(first.get().status, 200);
  // Usually 200; 503 only if the daemon's readiness check took the waiting place first.
  const auto second_status = second.get().status;
  EXPECT_TRUE(second_status == 200 || second_status == 503) << second_status;
  EXPECT_EQ(HttpClient(daemon_->port(), token_).get("/v1/actions").status, 200);

  const auto metrics = HttpClient(daemon_->port()).get("/metrics").body;
  const std::string series = "burgernet_db_queue_rejected_total{pool=\"api\"} ";
  const auto at = metrics.find(series);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(at + series.size())), 1.0);
}

}  // namespace
}  // namespace burgernet::testing
