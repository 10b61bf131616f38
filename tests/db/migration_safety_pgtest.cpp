// `burgernetctl migrate` refuses a migration marked requires-stopped-daemons while burgernet
// programs are connected, applies nothing then, and applies everything when nobody is.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "burgernet/db/migrate.hpp"
#include "burgernet/db/migration_safety.hpp"
#include "support/daemon_process.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

// A config file for burgernetctl pointing at `url`.
std::string ctl_config(const std::string& url) {
  const auto dir = make_temp_dir("burgernet-migrate-");
  const auto path = dir + "/config.json";
  std::ofstream(path) << daemon_config(url, dir).dump(2);
  return path;
}

// A closed session leaves pg_stat_activity a moment after its client closed it.
void wait_until_no_other_sessions(const std::string& url) {
  db::Connection look(url);
  for (int i = 0; i < 100 && !db::burgernet_sessions(look).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(db::burgernet_sessions(look).empty()) << "a closed session is still listed after 5 s";
}

int version_of(const std::string& url) {
  db::Connection look(url);
  return db::schema_version(look);
}

const sql::Migration kMarked{9901, "9901_rewrite_deliveries.sql",
                             "-- 9901: a test migration that rewrites what running daemons read.\n"
                             "-- burgernet: requires-stopped-daemons (test).\n\n"
                             "CREATE TABLE synthetic_marked (id int);\n"};
const sql::Migration kUnmarked{9902, "9902_add_index.sql",
                               "-- 9902: additive, safe with older daemons.\n\n"
                               "CREATE TABLE synthetic_unmarked (id int);\n"
                               "-- burgernet: requires-stopped-daemons (only the header counts)\n"};

TEST(MigrationSafety, OnlyTheHeaderMarksAMigration) {
  EXPECT_TRUE(db::requires_stopped_daemons(kMarked));
  EXPECT_FALSE(db::requires_stopped_daemons(kUnmarked));
}

TEST(MigrationSafety, TheExistingMigrationsThatBreakOlderDaemonsAreMarked) {
  std::vector<std::string> marked;
  for (const auto& m : sql::migrations())
    if (db::requires_stopped_daemons(m)) marked.push_back(m.name);
  // docs/operations.md lists the same ones; a new breaking migration must be added to both.
  EXPECT_EQ(marked, (std::vector<std::string>{"0006_personal_data_sealed.sql", "0008_delivery_waves.sql",
                                              "0009_delivery_partitions.sql", "0011_fanout_plan.sql",
                                              "0013_national_scale.sql"}));
}

// An empty database migrated by `migrator`, so that no other session of ours is open on it
// (a TestDatabase keeps one).
std::unique_ptr<TestDatabase> migrated_by(std::unique_ptr<db::Connection>& migrator) {
  auto database = TestDatabase::empty();
  migrator = std::make_unique<db::Connection>(database->url());
  db::migrate(*migrator);
  return database;
}

TEST(MigrationSafety, AMarkedPendingMigrationIsRefusedWhileADaemonIsConnected) {
  std::unique_ptr<db::Connection> connection;
  const auto database = migrated_by(connection);
  auto& migrator = *connection;
  EXPECT_EQ(db::refusal_while_daemons_run(migrator, {kMarked}), "") << "nobody else is connected";
  {
    db::Connection daemon(database->url());  // application_name 'burgernet', as every daemon session
    const auto refusal = db::refusal_while_daemons_run(migrator, {kUnmarked, kMarked});
    EXPECT_NE(refusal.find("9901_rewrite_deliveries.sql"), std::string::npos) << refusal;
    EXPECT_EQ(refusal.find("9902_add_index.sql"), std::string::npos) << "not marked: " << refusal;
    EXPECT_NE(refusal.find("local socket (1 session)"), std::string::npos) << refusal;
    EXPECT_EQ(db::refusal_while_daemons_run(migrator, {kUnmarked}), "") << "an unmarked migration may run";
  }
  // The closed session leaves pg_stat_activity a moment later.
  for (int i = 0; i < 100 && !db::burgernet_sessions(migrator).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(db::refusal_while_daemons_run(migrator, {kMarked}), "") << "the daemon stopped";
}

TEST(MigrationSafety, ASessionOfAnotherProgramOrDatabaseDoesNotCount) {
  std::unique_ptr<db::Connection> connection;
  const auto database = migrated_by(connection);
  TestDatabase other;  // with a session of its own
  db::Connection elsewhere(other.url());
  const auto url = database->url();
  db::Connection psql(url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=psql");
  EXPECT_EQ(db::refusal_while_daemons_run(*connection, {kMarked}), "");
  db::Connection daemon(url);
  EXPECT_NE(db::refusal_while_daemons_run(*connection, {kMarked}), "") << "the check sees a daemon's session";
}

// The real command on the real migrations: a database at 0008 has 0009, 0011 and 0013 to come.
TEST(MigrationSafety, MigrateRefusesAndAppliesNothingUntilTheDaemonsStop) {
  auto database = TestDatabase::empty();
  {
    db::Connection c(database->url());
    db::migrate(c, 8);
  }
  const auto config = ctl_config(database->url());
  auto daemon = std::make_unique<db::Connection>(database->url());
  std::string out, err;
  EXPECT_EQ(run_ctl(config, {"migrate"}, &out, &err), 1) << out << err;
  for (const char* name : {"0009_delivery_partitions.sql", "0011_fanout_plan.sql", "0013_national_scale.sql"})
    EXPECT_NE(err.find(name), std::string::npos) << err;
  EXPECT_EQ(err.find("0010_delivery_foreign_keys.sql"), std::string::npos) << "0010 is not marked: " << err;
  EXPECT_NE(err.find("local socket"), std::string::npos) << err;
  EXPECT_NE(err.find("--daemons-stopped"), std::string::npos) << err;
  EXPECT_EQ(version_of(database->url()), 8) << "nothing may be applied, not even the unmarked 0010";

  daemon.reset();  // stopped
  wait_until_no_other_sessions(database->url());
  EXPECT_EQ(run_ctl(config, {"migrate"}, &out, &err), 0) << out << err;
  EXPECT_EQ(version_of(database->url()), sql::latest_migration_version());
}

TEST(MigrationSafety, DaemonsStoppedOverridesTheCheck) {
  auto database = TestDatabase::empty();
  {
    db::Connection c(database->url());
    db::migrate(c, 12);
  }
  const auto config = ctl_config(database->url());
  db::Connection daemon(database->url());
  std::string out, err;
  EXPECT_EQ(run_ctl(config, {"migrate", "--daemons-stopped"}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("applied 0013_national_scale.sql"), std::string::npos) << out;
  EXPECT_EQ(version_of(database->url()), sql::latest_migration_version());
}

TEST(MigrationSafety, MigrateOnAFreshDatabaseWithoutDaemonsAppliesEverything) {
  auto database = TestDatabase::empty();
  std::string out, err;
  EXPECT_EQ(run_ctl(ctl_config(database->url()), {"migrate"}, &out, &err), 0) << out << err;
  for (const auto& m : sql::migrations()) EXPECT_NE(out.find("applied " + m.name), std::string::npos) << out;
  EXPECT_EQ(version_of(database->url()), sql::latest_migration_version());
}

}  // namespace
}  // namespace burgernet::testing
