// Migrations against the real cluster: applied once, recorded, harmless the second time.
#include "burgernet/db/migrate.hpp"

#include <gtest/gtest.h>

#include "burgernet/db/errors.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/sql/query.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

TEST(Migrate, AppliesEverythingOnceAndRecordsIt) {
  auto database = TestDatabase::empty();
  db::Connection connection(database->url());
  EXPECT_EQ(db::schema_version(connection), 0);
  const auto first = db::migrate(connection);
  EXPECT_EQ(first.size(), sql::migrations().size());
  EXPECT_EQ(db::schema_version(connection), sql::latest_migration_version());
  EXPECT_TRUE(db::migrate(connection).empty()) << "a second run must change nothing";
  EXPECT_EQ(database->scalar("SELECT count(*) FROM schema_migrations"), std::to_string(sql::migrations().size()));
  EXPECT_EQ(database->scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'participant_addresses_location_idx'"),
            "1");
}

TEST(Connection, ParametersAreNeverSpliced) {
  TestDatabase database;
  auto& c = database.connection();
  const std::string hostile = "x'); DROP TABLE participants; --";
  c.exec(sql::query("TokenCreate"), hostile, "admin", nullptr, "\\x00", nullptr);
  EXPECT_EQ(database.scalar("SELECT name FROM api_tokens"), hostile);
  EXPECT_EQ(database.scalar("SELECT to_regclass('participants') IS NOT NULL"), "t");
}

TEST(Connection, UniqueViolationsAreTyped) {
  TestDatabase database;
  auto& c = database.connection();
  c.exec(sql::query("TokenCreate"), "a", "admin", nullptr, "\\x01", nullptr);
  EXPECT_THROW(c.exec(sql::query("TokenCreate"), "a", "admin", nullptr, "\\x02", nullptr), db::UniqueViolation);
}

TEST(Connection, TransactionsRollBackUnlessCommitted) {
  TestDatabase database;
  auto& c = database.connection();
  {
    db::Transaction tx(c);
    c.exec(sql::query("TokenCreate"), "gone", "admin", nullptr, "\\x03", nullptr);
  }
  EXPECT_EQ(database.scalar("SELECT count(*) FROM api_tokens"), "0");
  {
    db::Transaction tx(c);
    c.exec(sql::query("TokenCreate"), "kept", "admin", nullptr, "\\x04", nullptr);
    tx.commit();
  }
  EXPECT_EQ(database.scalar("SELECT count(*) FROM api_tokens"), "1");
}

// The selection's cost estimates cross jit_above_cost, and compiling it took longer than
// running it (40-60 ms of a small action's POST): the daemon's sessions never JIT.
TEST(Connection, SessionsRunWithoutJitAndWithTheStatementTimeout) {
  TestDatabase database;
  db::Connection c(database.url(), std::chrono::milliseconds(1234));
  EXPECT_EQ(c.exec(sql::Query{"jit", "SHOW jit"}).string(0, 0), "off");
  EXPECT_EQ(c.exec(sql::Query{"timeout", "SHOW statement_timeout"}).string(0, 0), "1234ms");
}

// Delivery rows carry no foreign keys (0010); deleting a participant still leaves none of their
// rows pointing at them, as ON DELETE SET NULL did.
TEST(Connection, DeletingAParticipantClearsTheirDeliveryRows) {
  TestDatabase database;
  const auto id = database.scalar(
      "INSERT INTO participants (status, phone_sealed, phone_lookup) VALUES ('active', '\\x00', '\\x01') "
      "RETURNING id");
  database.scalar("INSERT INTO deliveries (participant_id, channel, kind, status, sent_at) VALUES ('" + id +
                  "', 'sms', 'verification', 'sent', now()) RETURNING 1");
  database.scalar("DELETE FROM participants WHERE id = '" + id + "' RETURNING 1");
  EXPECT_EQ(database.scalar("SELECT count(*) || '/' || count(participant_id) FROM deliveries"), "1/0");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'deliveries'::regclass AND "
                            "contype = 'f'"),
            "0");
}

TEST(Pool, RunsWorkOffTheCallerAndReportsAnUnreachableServer) {
  db::Pool pool({"postgresql://nobody@/none?host=/nonexistent&port=1", 2, std::chrono::milliseconds(1000),
                 std::chrono::milliseconds(500)});
  EXPECT_THROW(pool.acquire(), db::DatabaseUnavailable);
  EXPECT_THROW(pool.acquire(), db::DatabaseUnavailable) << "a failed connect must give its slot back";
}

}  // namespace
}  // namespace burgernet::testing
