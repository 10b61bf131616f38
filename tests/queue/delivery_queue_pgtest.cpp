// The queue's SQL on its own (sql/queries/deliveries.sql): claim order, SKIP LOCKED between
// workers, completion only by the worker that holds a row, retries, the attempt limit, and
// the rescuer bringing back what a worker whose connection died had claimed.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/sql/query.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using Ids = std::vector<std::string>;

class DeliveryQueueTest : public DatabaseTest {
 protected:
  // A queued SMS (a verification: it needs no action) with `priority`, `age_s` seconds old.
  std::string add(int priority, int age_s, int max_attempts = 5) {
    return database.scalar("INSERT INTO deliveries (channel, kind, priority, run_after, body, max_attempts) VALUES "
                           "('sms', 'verification', " + std::to_string(priority) + ", now() - interval '" +
                           std::to_string(age_s) + " seconds', 'code', " + std::to_string(max_attempts) +
                           ") RETURNING id");
  }
  static Ids claim(db::Connection& c, const std::string& owner, int limit, int lease_s = 60) {
    const auto r = c.exec(sql::query("DeliveriesClaim"), db::Params("sms", limit, owner, lease_s));
    Ids ids;
    for (int i = 0; i < r.rows(); ++i) ids.push_back(r.string(i, r.column("id")));
    return ids;
  }
  // DeliveriesComplete with one outcome for every row; returns how many applied.
  static std::int64_t complete(db::Connection& c, const std::string& owner, const Ids& ids, const std::string& outcome,
                               const std::string& note = "ref", const std::string& delay = "0") {
    return c.exec(sql::query("DeliveriesComplete"),
                  db::Params(ids, Ids(ids.size(), owner), Ids(ids.size(), outcome), Ids(ids.size(), note),
                             Ids(ids.size(), delay)))
        .rows();
  }
  static std::int64_t mark_sent(db::Connection& c, const std::string& owner, const Ids& ids) {
    return complete(c, owner, ids, "sent");
  }
  static std::string rescue(db::Connection& c, const Ids& spared = {}) {
    return c.exec(sql::query("DeliveriesRescue"), db::Params(spared, std::int64_t{10000})).string(0, 0);
  }
  std::string status(const std::string& id) {
    return database.scalar("SELECT status || '/' || attempt FROM deliveries WHERE id = " + id);
  }
};

TEST_F(DeliveryQueueTest, UrgentGoesBeforeAlertsThenTheOldestFirst) {
  const auto alert_old = add(1, 300);
  const auto urgent_new = add(0, 10);
  const auto urgent_old = add(0, 100);
  add(0, -3600);  // not due for an hour
  db::Connection worker(database.url());
  EXPECT_EQ(claim(worker, "w1", 10), (Ids{urgent_old, urgent_new, alert_old}));
  EXPECT_EQ(status(urgent_old), "sending/1");
}

TEST_F(DeliveryQueueTest, TwoWorkersClaimingAtTheSameTimeNeverGetTheSameRow) {
  for (int i = 0; i < 10; ++i) add(0, i);
  db::Connection a(database.url()), b(database.url());
  // A holds its claim open in a transaction; B skips those rows instead of waiting for them.
  a.exec_script("begin", "BEGIN");
  const auto first = claim(a, "a", 6);
  const auto second = claim(b, "b", 6);
  a.exec_script("commit", "COMMIT");
  EXPECT_EQ(first.size(), 6u);
  EXPECT_EQ(second.size(), 4u);
  std::set<std::string> all(first.begin(), first.end());
  all.insert(second.begin(), second.end());
  EXPECT_EQ(all.size(), 10u);
}

TEST_F(DeliveryQueueTest, OnlyTheWorkerThatHoldsARowCanCompleteIt) {
  const auto id = add(0, 1);
  db::Connection a(database.url()), b(database.url());
  ASSERT_EQ(claim(a, "a", 1), Ids{id});
  // A stalls past its lease; the rescuer gives the row to B.
  database.scalar("UPDATE deliveries SET lease_expires_at = now() - interval '1 second' RETURNING 1");
  EXPECT_EQ(rescue(b), "1");
  ASSERT_EQ(claim(b, "b", 1), Ids{id});
  EXPECT_EQ(mark_sent(a, "a", {id}), 0) << "a late answer from A must not overwrite B's claim";
  EXPECT_EQ(status(id), "sending/2");
  EXPECT_EQ(mark_sent(b, "b", {id}), 1);
  EXPECT_EQ(status(id), "sent/2");
}

TEST_F(DeliveryQueueTest, ARetryWaitsItsDelayAndThenSucceeds) {
  const auto id = add(0, 1);
  db::Connection w(database.url());
  ASSERT_EQ(claim(w, "w", 1), Ids{id});
  complete(w, "w", {id}, "retry", "http 503", "3600");
  EXPECT_EQ(status(id), "queued/1");
  EXPECT_EQ(database.scalar("SELECT last_error FROM deliveries WHERE id = " + id), "http 503");
  EXPECT_TRUE(claim(w, "w", 1).empty()) << "not before its delay";
  database.scalar("UPDATE deliveries SET run_after = now() RETURNING 1");
  ASSERT_EQ(claim(w, "w", 1), Ids{id});
  EXPECT_EQ(mark_sent(w, "w", {id}), 1);
  EXPECT_EQ(status(id), "sent/2");
  EXPECT_EQ(database.scalar("SELECT coalesce(last_error, 'none') || (body IS NULL)::text FROM deliveries"), "nonetrue")
      << "the error and the code's text are cleared once sent";
}

TEST_F(DeliveryQueueTest, TheLastAllowedAttemptFailsForGood) {
  const auto id = add(0, 1, /*max_attempts=*/2);
  db::Connection w(database.url());
  for (int attempt = 1; attempt <= 2; ++attempt) {
    database.scalar("UPDATE deliveries SET run_after = now() RETURNING 1");
    ASSERT_EQ(claim(w, "w", 1), Ids{id}) << attempt;
    complete(w, "w", {id}, "retry", "timeout", "0");
  }
  EXPECT_EQ(status(id), "failed/2");
  EXPECT_TRUE(claim(w, "w", 1).empty());
}

TEST_F(DeliveryQueueTest, WhatAWorkerWhoseConnectionDiedHadClaimedIsRescuedAndDelivered) {
  for (int i = 0; i < 50; ++i) add(0, i);
  auto doomed = std::make_unique<db::Connection>(database.url());
  const auto pid = doomed->exec(sql::Query{"backend_pid", "SELECT pg_backend_pid()"}).string(0, 0);
  ASSERT_EQ(claim(*doomed, "doomed", 20, /*lease_s=*/1).size(), 20u);
  database.scalar("SELECT pg_terminate_backend(" + pid + ")");
  EXPECT_THROW(mark_sent(*doomed, "doomed", {"1"}), db::DatabaseError);

  db::Connection rescuer(database.url());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(rescue(rescuer), "20");
  std::size_t sent = 0;
  for (Ids batch; !(batch = claim(rescuer, "rescuer", 15)).empty();) sent += mark_sent(rescuer, "rescuer", batch);
  EXPECT_EQ(sent, 50u);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sent'"), "50");
}

}  // namespace
}  // namespace burgernet::testing

namespace burgernet::testing {
namespace {

TEST_F(DeliveryQueueTest, TheRescuerSparesTheClaimsItsOwnDaemonStillHolds) {
  const auto held = add(0, 2);
  const auto dead = add(0, 1);
  db::Connection w(database.url());
  ASSERT_EQ(claim(w, "alive:1", 1), Ids{held});
  ASSERT_EQ(claim(w, "dead:1", 1), Ids{dead});
  database.scalar("UPDATE deliveries SET lease_expires_at = now() - interval '1 second' RETURNING 1");
  EXPECT_EQ(rescue(w, {"alive:1"}), "1") << "only the claim nobody holds any more";
  EXPECT_EQ(status(held), "sending/1");
  EXPECT_EQ(status(dead), "queued/1");
}

TEST_F(DeliveryQueueTest, AHeartbeatKeepsALeaseAndTellsWhatWasTakenOver) {
  const auto mine = add(0, 2);
  const auto taken = add(0, 1);
  db::Connection a(database.url()), b(database.url());
  ASSERT_EQ(claim(a, "a", 2, /*lease_s=*/1).size(), 2u);
  database.scalar("UPDATE deliveries SET lease_expires_at = now() - interval '1 second' WHERE id = " + taken +
                  " RETURNING 1");
  ASSERT_EQ(rescue(b), "1");
  ASSERT_EQ(claim(b, "b", 1), Ids{taken});
  const auto r = a.exec(sql::query("DeliveriesExtendLeases"), db::Params(Ids{mine, taken}, Ids{"a", "a"}, 60.0));
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.string(0, 0), mine);
  EXPECT_EQ(database.scalar("SELECT (lease_expires_at > now() + interval '50 seconds')::text FROM deliveries "
                            "WHERE id = " + mine),
            "true");
}

TEST_F(DeliveryQueueTest, OneStatementCompletesEveryKindOfOutcome) {
  Ids ids;
  for (int i = 0; i < 6; ++i) ids.push_back(add(0, 10 - i, /*max_attempts=*/1 + (i == 1 ? 4 : 0)));
  db::Connection w(database.url());
  ASSERT_EQ(claim(w, "w", 6), ids);
  const auto r = w.exec(sql::query("DeliveriesComplete"),
                        db::Params(ids, Ids(6, "w"), Ids{"sent", "retry", "postpone", "failed", "release", "expired"},
                                   Ids{"SM1", "http 503", "circuit open", "http 400", "", ""},
                                   Ids{"0", "60", "60", "0", "0", "0"}));
  EXPECT_EQ(r.rows(), 6);
  EXPECT_EQ(status(ids[0]), "sent/1");
  EXPECT_EQ(database.scalar("SELECT provider_ref FROM deliveries WHERE id = " + ids[0]), "SM1");
  EXPECT_EQ(status(ids[1]), "queued/1") << "an attempt spent, four left";
  EXPECT_EQ(status(ids[2]), "queued/0") << "never offered: the attempt given back";
  EXPECT_EQ(status(ids[3]), "failed/1");
  EXPECT_EQ(status(ids[4]), "queued/0");
  EXPECT_EQ(status(ids[5]), "expired/1");
}

}  // namespace
}  // namespace burgernet::testing
