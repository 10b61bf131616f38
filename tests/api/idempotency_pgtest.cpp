// Idempotency-Key against a database that goes away mid-request: the key's answer and the
// action commit together, so a retry never raises a second action and a committed key is
// never taken over. The daemon reaches the database through db/pg_proxy.hpp.
#include <gtest/gtest.h>

#include <future>

#include "action/population.hpp"
#include "db/pg_proxy.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class IdempotencyTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    add_participant(database, {{offset(centre(), 100, 0)}});
    auto config = daemon_config(proxy_.url(), outbox_);
    config["queue"] = {{"dispatch", false}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
  }

  HttpResult post_with_key(const std::string& key) {
    return client().post("/v1/actions", action(circle(centre(), 1000)), {{"Idempotency-Key", key}});
  }
  // After an outage the daemon answers 503 until its database watch sees the server again.
  HttpResult raise_when_back(const std::string& key) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    for (;;) {
      auto r = post_with_key(key);
      if (r.status != 503 || std::chrono::steady_clock::now() > deadline) return r;
      std::this_thread::sleep_for(200ms);
    }
  }
  std::future<HttpResult> raise_async(const std::string& key) {
    return std::async(std::launch::async, [this, key] { return post_with_key(key); });
  }
  std::string actions() { return count("SELECT count(*) FROM actions"); }

  PgProxy proxy_{database.url()};
};

// The daemon's backend is killed after the action's insert, before its COMMIT, and the
// database stays away long enough that nothing can be cleaned up. Before, the key's "running"
// row was committed on its own first, so the retry got 409 for five minutes; now nothing of
// the request exists and the retry raises the action, once.
TEST_F(IdempotencyTest, AConnectionKilledBeforeCommitLeavesNothingAndTheRetryRaisesOneAction) {
  proxy_.on_commit(PgProxy::Commit::kHold);
  auto first = raise_async("killed-1");
  ASSERT_TRUE(proxy_.wait_triggered(20s)) << daemon_->log();
  proxy_.down(true);
  const auto pid = database.scalar(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
      "AND state = 'idle in transaction'");
  ASSERT_FALSE(pid.empty());
  EXPECT_EQ(database.scalar("SELECT pg_terminate_backend(" + pid + ")"), "t");
  EXPECT_EQ(first.get().status, 503);
  EXPECT_EQ(actions(), "0");
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys"), "0");

  proxy_.down(false);
  const auto retry = raise_when_back("killed-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(actions(), "1");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "3");
  const auto again = post_with_key("killed-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json()["id"], retry.json()["id"]);
  EXPECT_EQ(actions(), "1");
}

// The COMMIT reaches the server and commits, but its answer is lost with the connection: the
// daemon cannot know. Before, it then deleted the key's row (a connection was at hand) and the
// retry raised a second action; now the row committed with the action and its answer.
TEST_F(IdempotencyTest, AnAmbiguousCommitIsAnsweredFromTheStoredAnswerOnRetry) {
  proxy_.on_commit(PgProxy::Commit::kLoseTheReply);
  const auto first = post_with_key("ambiguous-1");
  EXPECT_EQ(first.status, 503) << first.body;
  ASSERT_TRUE(proxy_.wait_triggered(1s));
  ASSERT_EQ(actions(), "1");

  const auto retry = raise_when_back("ambiguous-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.json()["id"], database.scalar("SELECT id FROM actions"));
  EXPECT_EQ(actions(), "1");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "3");
}

// Two POSTs with the same key at once: the second is answered 409 while the first runs (it
// does not wait for it). Then the first one's COMMIT succeeds but its answer is lost, and the
// second client retries, as a 409 invites: it gets the first one's answer. Before, the first
// request deleted its key's row after the lost answer and the retry raised a second action.
TEST_F(IdempotencyTest, TwoConcurrentRequestsWithOneKeyRaiseOneAction) {
  proxy_.on_commit(PgProxy::Commit::kHold);
  auto first = raise_async("twice-1");
  ASSERT_TRUE(proxy_.wait_triggered(20s)) << daemon_->log();
  const auto started = std::chrono::steady_clock::now();
  const auto second = post_with_key("twice-1");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.error_code(), "request_in_progress");
  proxy_.release(/*lose_the_reply=*/true);
  EXPECT_EQ(first.get().status, 503);
  ASSERT_EQ(actions(), "1");
  const auto retry = raise_when_back("twice-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.json()["id"], database.scalar("SELECT id FROM actions"));
  EXPECT_EQ(actions(), "1");

  // Many at once, none held: still one action, and every answer is 201 or 409.
  std::vector<std::future<HttpResult>> many;
  for (int i = 0; i < 6; ++i) many.push_back(raise_async("many-1"));
  std::string id;
  for (auto& f : many) {
    const auto r = f.get();
    EXPECT_TRUE(r.status == 201 || r.status == 409) << r.status << " " << r.body;
    if (r.status == 201) {
      if (id.empty()) id = r.json()["id"].get<std::string>();
      EXPECT_EQ(r.json()["id"], id);
    }
  }
  EXPECT_EQ(actions(), "2");
}

// The ambiguous COMMIT again, and the database gone while the daemon would clean up: before,
// the key's row stayed "running" and was taken over after five minutes, raising a second
// action. A committed key now always holds its answer, whatever its age below 24 hours.
TEST_F(IdempotencyTest, ACommittedKeyIsNeverTakenOver) {
  proxy_.on_commit(PgProxy::Commit::kLoseTheReply);
  auto first = raise_async("old-1");
  ASSERT_TRUE(proxy_.wait_triggered(20s)) << daemon_->log();
  proxy_.down(true);
  EXPECT_EQ(first.get().status, 503);
  ASSERT_EQ(actions(), "1");
  proxy_.down(false);

  for (const char* age : {"6 minutes", "2 hours", "23 hours 59 minutes"}) {
    database.scalar("UPDATE idempotency_keys SET created_at = now() - interval '" + std::string(age) + "'");
    const auto retry = raise_when_back("old-1");
    ASSERT_EQ(retry.status, 201) << age << ": " << retry.body;
    EXPECT_EQ(retry.header("idempotent-replayed"), "true") << age;
    EXPECT_EQ(actions(), "1") << age;
  }

  // A row without an answer (left by a daemon before this design, whose request may have
  // committed) is not taken over either, however old, until it expires.
  database.scalar(
      "INSERT INTO idempotency_keys (token_id, key, request_hash, created_at) SELECT token_id, 'legacy', "
      "request_hash, now() - interval '1 hour' FROM idempotency_keys WHERE key = 'old-1'");
  const auto legacy = post_with_key("legacy");
  EXPECT_EQ(legacy.status, 409);
  EXPECT_EQ(actions(), "1");
}

}  // namespace
}  // namespace burgernet::testing
