// The delivery queue partitioned by month (migration 0009): rows land in their month, months
// ahead are created by any daemon, months past retention are dropped whole unless something in
// them is still to be sent, the claim reads across months, and migrating keeps every row.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/privacy/retention.hpp"
#include "burgernet/sql/query.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

// The first day of the month `months` from now (negative: ago), in UTC, as SQL.
std::string month_start(int months) {
  return "(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => " +
         std::to_string(months) + "))";
}

class DeliveryPartitionsTest : public DatabaseTest {
 protected:
  std::string scalar(const std::string& sql) { return database.scalar(sql); }

  // deliveries_YYYY_MM of the month `months` from now.
  std::string partition(int months) {
    return scalar("SELECT 'deliveries_' || to_char(" + month_start(months) + ", 'YYYY_MM')");
  }
  bool exists(const std::string& table) {
    return scalar("SELECT to_regclass('" + table + "') IS NOT NULL") == "t";
  }
  void create_month(int months) {
    scalar("SELECT burgernet_delivery_partition_create(" + month_start(months) + "::date)");
  }

  // A verification SMS (it needs no action) created on the 3rd of the month `months` from now.
  std::string add(int months, const std::string& status = "sent") {
    return scalar(
        "INSERT INTO deliveries (channel, kind, status, lease_owner, created_at) VALUES ('sms', "
        "'verification', '" +
        status + "', " + (status == "sending" ? "'w1'" : "NULL") + ", (" + month_start(months) +
        " + interval '2 days 7 hours') AT TIME ZONE 'UTC') RETURNING id");
  }
  std::string where(const std::string& id) {
    return scalar("SELECT tableoid::regclass::text FROM deliveries WHERE id = " + id);
  }

  config::Config settings;  // retention.deliveries_months: the default, 6
};

TEST_F(DeliveryPartitionsTest, TheTableIsPartitionedByMonthAndARowLandsInItsMonth) {
  EXPECT_EQ(scalar("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'deliveries'::regclass"),
            "r");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_class WHERE relname = 'deliveries_default'"), "0")
      << "no default partition: it would block creating the month its rows belong to";
  for (int ahead = 0; ahead <= 2; ++ahead) EXPECT_TRUE(exists(partition(ahead))) << partition(ahead);

  const auto now =
      scalar("INSERT INTO deliveries (channel, kind) VALUES ('sms', 'verification') RETURNING id");
  EXPECT_EQ(where(now), partition(0));
  EXPECT_EQ(where(add(1)), partition(1));
  // A month nobody created: refused, never silently put elsewhere.
  EXPECT_THROW(add(-30), std::runtime_error);
  create_month(-30);
  EXPECT_EQ(where(add(-30)), partition(-30));
}

TEST_F(DeliveryPartitionsTest, EnsureCreatesTheMonthsAheadAndIsIdempotent) {
  scalar("DROP TABLE " + partition(1) + ", " + partition(2));
  auto& c = database.connection();
  EXPECT_EQ(privacy::ensure_delivery_partitions(c, 2), 2);
  EXPECT_TRUE(exists(partition(1)));
  EXPECT_TRUE(exists(partition(2)));
  EXPECT_EQ(privacy::ensure_delivery_partitions(c, 2), 0) << "a second call changes nothing";
  EXPECT_EQ(privacy::ensure_delivery_partitions(c, 4), 2);
  EXPECT_TRUE(exists(partition(4)));
  // Every partition got the parent's indexes (here the claim index).
  EXPECT_EQ(
      scalar("SELECT count(*) FROM pg_indexes WHERE tablename = '" + partition(4) +
             "' AND indexdef LIKE '%(channel, priority, wave, run_after, id) WHERE (status = ''queued''%'"),
      "1");
}

TEST_F(DeliveryPartitionsTest, DaemonsEnsuringAtTheSameTimeDoNotFail) {
  for (int round = 0; round < 5; ++round) {
    scalar("DROP TABLE IF EXISTS " + partition(1) + ", " + partition(2) + ", " + partition(3) + ", " +
           partition(4));
    db::Connection a(database.url()), b(database.url()), c(database.url());
    int created[3] = {-1, -1, -1};
    std::string errors;
    std::mutex errors_mutex;
    std::thread threads[3];
    db::Connection* connections[3] = {&a, &b, &c};
    for (int i = 0; i < 3; ++i) {
      threads[i] = std::thread([&, i] {
        try {
          created[i] = privacy::ensure_delivery_partitions(*connections[i], 4);
        } catch (const std::exception& e) {
          const std::lock_guard lock(errors_mutex);
          errors += e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors, "");
    EXPECT_EQ(created[0] + created[1] + created[2], 4) << "each month created once, by one of them";
  }
}

TEST_F(DeliveryPartitionsTest, MonthsPastRetentionAreDroppedWholeTheRecentOnesKept) {
  for (int m = -9; m <= -5; ++m) create_month(m);
  for (int i = 0; i < 3; ++i) add(-9);
  add(-7, "failed");
  const auto recent = add(-5);
  const auto current = add(0);

  const auto purged = privacy::purge_expired(database.connection(), settings);
  // Months -9, -8, -7 ended more than 6 months ago; month -6 ended less than 6 months ago
  // (its last day is 5 months and some days ago), so it stays with -5.
  EXPECT_EQ(purged.delivery_partitions.dropped, 3);
  EXPECT_EQ(purged.delivery_partitions.rows_dropped, 4);
  EXPECT_TRUE(purged.delivery_partitions.kept_busy.empty());
  EXPECT_FALSE(exists(partition(-9))) << "the partition itself is gone: a DROP, not a DELETE";
  EXPECT_FALSE(exists(partition(-8)));
  EXPECT_FALSE(exists(partition(-7)));
  EXPECT_TRUE(exists(partition(-6)));
  EXPECT_EQ(where(recent), partition(-5));
  EXPECT_EQ(where(current), partition(0));
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), "2");

  EXPECT_EQ(privacy::purge_expired(database.connection(), settings).delivery_partitions.dropped, 0)
      << "nothing left to drop";
  // The retention is the configured one.
  settings.delivery_retention_months = 4;
  const auto shorter = privacy::purge_expired(database.connection(), settings).delivery_partitions;
  EXPECT_EQ(shorter.dropped, 2);
  EXPECT_EQ(shorter.rows_dropped, 1);
  EXPECT_FALSE(exists(partition(-5)));
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), "1");
}

TEST_F(DeliveryPartitionsTest, AMonthStillHoldingQueuedOrSendingRowsIsKept) {
  create_month(-8);
  create_month(-7);
  const auto queued = add(-8, "queued");
  add(-8);
  const auto sending = add(-7, "sending");

  auto dropped = privacy::drop_old_delivery_partitions(database.connection(), 6);
  EXPECT_EQ(dropped.dropped, 0);
  EXPECT_EQ(dropped.kept_busy, (std::vector<std::string>{partition(-8), partition(-7)}));
  EXPECT_EQ(where(queued), partition(-8));
  EXPECT_EQ(where(sending), partition(-7));

  // Once they are done, the next pass drops the months.
  scalar("UPDATE deliveries SET status = 'expired' WHERE id = " + queued);
  scalar("UPDATE deliveries SET status = 'failed', lease_owner = NULL WHERE id = " + sending);
  dropped = privacy::drop_old_delivery_partitions(database.connection(), 6);
  EXPECT_EQ(dropped.dropped, 2);
  EXPECT_EQ(dropped.rows_dropped, 3);
  EXPECT_TRUE(dropped.kept_busy.empty());
  EXPECT_FALSE(exists(partition(-8)));
}

TEST_F(DeliveryPartitionsTest, ADropWaitsForNoOneLongAndKeepsAMonthThatIsInUse) {
  create_month(-8);
  add(-8);
  // A long transaction reading the old month: the drop gives up after its lock timeout instead
  // of queueing every claim behind it, and the next pass drops the month.
  db::Connection reader(database.url());
  reader.exec_script("begin", "BEGIN");
  reader.exec_script("read", "SELECT count(*) FROM " + partition(-8));
  const auto started = std::chrono::steady_clock::now();
  auto dropped = privacy::drop_old_delivery_partitions(database.connection(), 6);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(dropped.dropped, 0);
  EXPECT_TRUE(exists(partition(-8)));
  reader.exec_script("commit", "COMMIT");
  dropped = privacy::drop_old_delivery_partitions(database.connection(), 6);
  EXPECT_EQ(dropped.dropped, 1);
  EXPECT_FALSE(exists(partition(-8)));
}

TEST_F(DeliveryPartitionsTest, TheClaimTakesRowsOfEveryMonthInQueueOrder) {
  create_month(-1);
  const std::string last_month = "(" + month_start(-1) + " + interval '9 days') AT TIME ZONE 'UTC'";
  const auto old_alert = scalar(
      "INSERT INTO deliveries (channel, kind, priority, created_at, run_after) VALUES ('sms', "
      "'verification', 1, " +
      last_month + ", " + last_month + ") RETURNING id");
  const auto urgent = scalar(
      "INSERT INTO deliveries (channel, kind, priority, run_after) VALUES ('sms', 'verification', 0, now()) "
      "RETURNING id");
  const auto old_urgent = scalar(
      "INSERT INTO deliveries (channel, kind, priority, created_at, run_after) VALUES ('sms', "
      "'verification', 0, " +
      last_month + ", " + last_month + ") RETURNING id");
  ASSERT_EQ(where(old_urgent), partition(-1));
  const auto r = database.connection().exec(sql::query("DeliveriesClaim"), db::Params("sms", 10, "w1", 60));
  ASSERT_EQ(r.rows(), 3);
  EXPECT_EQ(r.string(0, r.column("id")), old_urgent);
  EXPECT_EQ(r.string(1, r.column("id")), urgent);
  EXPECT_EQ(r.string(2, r.column("id")), old_alert);
  const std::vector<std::string> ids = {old_urgent, urgent, old_alert};
  EXPECT_EQ(
      database.connection()
          .exec(sql::query("DeliveriesComplete"),
                db::Params(ids, std::vector<std::string>(3, "w1"), std::vector<std::string>(3, "sent"),
                           std::vector<std::string>(3, "ref"), std::vector<std::string>(3, "0")))
          .rows(),
      3);
  EXPECT_EQ(scalar("SELECT string_agg(status::text, ',') FROM deliveries"), "sent,sent,sent");
}

TEST_F(DeliveryPartitionsTest, AnInsertIntoAnyMonthStillWakesTheWorkersOncePerStatement) {
  create_month(-1);
  db::Connection listener(database.url());
  listener.exec_script("listen", "LISTEN burgernet_deliveries");
  auto notifications = [&listener](std::chrono::milliseconds wait) {
    int n = 0;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      PQconsumeInput(listener.native());
      while (PGnotify* notify = PQnotifies(listener.native())) {
        if (std::string(notify->relname) == "burgernet_deliveries") ++n;
        PQfreemem(notify);
      }
      std::this_thread::sleep_for(20ms);
    }
    return n;
  };
  // One statement, rows for two months: one wake-up.
  scalar(
      "INSERT INTO deliveries (channel, kind, created_at) VALUES ('sms', 'verification', now()), "
      "('sms', 'verification', (" +
      month_start(-1) + " + interval '9 days') AT TIME ZONE 'UTC')");
  EXPECT_EQ(scalar("SELECT count(DISTINCT tableoid) FROM deliveries"), "2");
  EXPECT_EQ(notifications(1500ms), 1);
  scalar("INSERT INTO deliveries (channel, kind) VALUES ('sms', 'verification')");
  EXPECT_EQ(notifications(1500ms), 1);
}

TEST(DeliveryPartitionsMigration, KeepsEveryRowItsIdAndItsMonth) {
  auto database = TestDatabase::empty();
  db::Connection connection(database->url());
  db::migrate(connection, 8);
  ASSERT_EQ(db::schema_version(connection), 8);
  const auto participant = database->scalar(
      "INSERT INTO participants (status, phone_sealed, phone_lookup) VALUES ('active', '\\x01', '\\x02') "
      "RETURNING id");
  std::vector<std::pair<std::string, std::string>> rows;  // id, created_at
  for (const char* age : {"200 days", "70 days", "0 days"}) {
    const auto id = database->scalar(
        "INSERT INTO deliveries (participant_id, channel, kind, status, created_at) VALUES ('" + participant +
        "', 'sms', 'verification', 'sent', now() - interval '" + age + "') RETURNING id");
    rows.emplace_back(id, database->scalar("SELECT created_at::text FROM deliveries WHERE id = " + id));
  }
  const auto queued = database->scalar(
      "INSERT INTO deliveries (channel, kind, body) VALUES ('sms', 'verification', '\\xc0de') RETURNING id");

  // Up to 0009 only: 0010 takes the foreign keys off again (checked at the end).
  const auto applied = db::migrate(connection, 9);
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.front(), "0009_delivery_partitions.sql");
  EXPECT_TRUE(db::migrate(connection, 9).empty()) << "burgernetctl migrate stays idempotent";

  EXPECT_EQ(database->scalar("SELECT relkind FROM pg_class WHERE relname = 'deliveries'"), "p");
  EXPECT_EQ(database->scalar("SELECT count(*) FROM deliveries"), "4");
  for (const auto& [id, created_at] : rows) {
    EXPECT_EQ(database->scalar("SELECT created_at::text FROM deliveries WHERE id = " + id), created_at) << id;
    EXPECT_EQ(
        database->scalar("SELECT tableoid::regclass::text = 'deliveries_' || to_char(created_at AT TIME ZONE "
                         "'UTC', 'YYYY_MM') FROM deliveries WHERE id = " +
                         id),
        "t");
  }
  EXPECT_EQ(database->scalar("SELECT status || encode(body, 'hex') FROM deliveries WHERE id = " + queued),
            "queuedc0de");
  // Every month from the oldest row's to two months ahead.
  EXPECT_EQ(
      database->scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'deliveries'::regclass"),
      database->scalar("SELECT ((extract(year FROM n) * 12 + extract(month FROM n)) - "
                       "(extract(year FROM o) * 12 + extract(month FROM o)) + 3)::int FROM (SELECT now() AT "
                       "TIME ZONE 'UTC' AS n, (now() - interval '200 days') AT TIME ZONE 'UTC' AS o) AS x"));
  // New ids go on from the old ones.
  const auto next =
      database->scalar("INSERT INTO deliveries (channel, kind) VALUES ('sms', 'verification') RETURNING id");
  EXPECT_GT(std::stoll(next), std::stoll(queued));
  // The foreign keys came along: erasing the participant keeps the sent rows, anonymous.
  database->scalar("DELETE FROM participants WHERE id = '" + participant + "'");
  EXPECT_EQ(database->scalar("SELECT count(*) FROM deliveries WHERE participant_id IS NULL"), "5");
  EXPECT_THROW(database->scalar("INSERT INTO deliveries (participant_id, channel, kind) VALUES "
                                "('00000000-0000-0000-0000-000000000001', 'sms', 'verification')"),
               std::runtime_error);
  // And the checks: a message row needs its message.
  EXPECT_THROW(database->scalar("INSERT INTO deliveries (channel, kind) VALUES ('sms', 'action')"),
               std::runtime_error);

  // 0010 on the partitioned table: no foreign keys, on the parent or on any month, and an erasure
  // still leaves no row pointing at the participant.
  db::migrate(connection);
  EXPECT_EQ(database->scalar("SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                             "WHERE c.contype = 'f' AND t.relname LIKE 'deliveries%'"),
            "0");
  const auto again = database->scalar(
      "INSERT INTO participants (status, phone_sealed, phone_lookup) VALUES ('active', '\\x03', '\\x04') "
      "RETURNING id");
  database->scalar("INSERT INTO deliveries (participant_id, channel, kind, status) VALUES ('" + again +
                   "', 'sms', 'verification', 'sent') RETURNING id");
  database->scalar("DELETE FROM participants WHERE id = '" + again + "' RETURNING id");
  EXPECT_EQ(database->scalar("SELECT count(*) FROM deliveries WHERE participant_id = '" + again + "'"), "0");
}

}  // namespace
}  // namespace burgernet::testing
