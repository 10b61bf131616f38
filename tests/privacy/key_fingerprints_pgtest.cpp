// Keys that cannot silently diverge (issue 14): only `burgernetctl keys init` makes a key, the
// database records each key's fingerprint, and a daemon or burgernetctl holding another key file
// refuses to run (exit 2) instead of sealing new data with a key nobody else has.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "burgernet/db/migrate.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/private_cluster.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class KeyFingerprintsTest : public DatabaseTest {
 protected:
  nlohmann::json config_with(const std::string& key_file, const std::string& lookup_key_file) {
    auto config = daemon_config(database.url(), dir_);
    config["privacy"] = {{"key_file", dir_ + "/" + key_file},
                         {"lookup_key_file", dir_ + "/" + lookup_key_file}};
    return config;
  }
  std::string write(const nlohmann::json& config, const std::string& name) {
    const auto path = dir_ + "/" + name;
    std::ofstream(path) << config.dump();
    return path;
  }
  std::string fingerprint8(const std::string& file, const char* purpose) {
    return privacy::key_fingerprint(privacy::read_key_file(dir_ + "/" + file), purpose).substr(0, 8);
  }
  std::string recorded() {
    return database.scalar(
        "SELECT coalesce(string_agg(purpose || ':' || status || ':' || left(fingerprint, 8), ',' ORDER BY "
        "purpose, status), "
        "'') FROM key_fingerprints");
  }
  std::string dir_ = make_temp_dir("burgernet-fingerprints-");
};

// SPEC: "this minimal config must work": migrate, then the daemon. On a new installation migrate
// makes the keys as keys init does; on one that has keys it leaves them alone.
TEST_F(KeyFingerprintsTest, MigrateMakesTheKeysOfANewInstallationSoMigrateThenTheDaemonWorks) {
  const auto config = write(config_with("keys/personal-data.key", "keys/lookup.key"), "new.json");
  std::string out, err;
  ASSERT_EQ(run_ctl(config, {"migrate"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("keys init"), std::string::npos) << out;
  EXPECT_EQ(recorded(), "lookup:current:" + fingerprint8("keys/lookup.key", "lookup") +
                            ",seal:current:" + fingerprint8("keys/personal-data.key", "seal"));
  const auto before = privacy::read_key_file(dir_ + "/keys/personal-data.key");
  ASSERT_EQ(run_ctl(config, {"migrate"}, &out, &err), 0) << err;
  EXPECT_EQ(privacy::read_key_file(dir_ + "/keys/personal-data.key"), before) << "a second migrate changed the key";
  DaemonProcess daemon(config_with("keys/personal-data.key", "keys/lookup.key"));
  EXPECT_TRUE(daemon.wait_ready()) << daemon.log();
  // Another installation's paths on the same database: migrate makes nothing, the database has keys.
  const auto other = write(config_with("other/personal-data.key", "other/lookup.key"), "other.json");
  ASSERT_EQ(run_ctl(other, {"migrate"}, &out, &err), 0) << err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/other/personal-data.key"));
}

TEST_F(KeyFingerprintsTest, KeysInitCreatesPrivateKeysRecordsThemAndRefusesASecondTime) {
  const auto config = write(config_with("keys/personal-data.key", "keys/lookup.key"), "a.json");
  std::string out, err;
  ASSERT_EQ(run_ctl(config, {"keys", "init"}, &out, &err), 0) << err;
  struct stat info {};
  ASSERT_EQ(::stat((dir_ + "/keys/personal-data.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/keys/lookup.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto seal = fingerprint8("keys/personal-data.key", "seal");
  const auto lookup = fingerprint8("keys/lookup.key", "lookup");
  EXPECT_EQ(recorded(), "lookup:current:" + lookup + ",seal:current:" + seal);
  EXPECT_NE(
      out.find(privacy::key_fingerprint(privacy::read_key_file(dir_ + "/keys/personal-data.key"), "seal")),
      std::string::npos)
      << out;
  const auto key_before = privacy::read_key_file(dir_ + "/keys/personal-data.key");

  // Twice with the same files: they exist, and are never replaced.
  EXPECT_EQ(run_ctl(config, {"keys", "init"}, &out, &err), 2);
  EXPECT_NE(err.find("exists already"), std::string::npos) << err;
  EXPECT_EQ(privacy::read_key_file(dir_ + "/keys/personal-data.key"), key_before);

  // With other paths on the same database: someone initialised it already; nothing is created.
  const auto other = write(config_with("other/personal-data.key", "other/lookup.key"), "other.json");
  EXPECT_EQ(run_ctl(other, {"keys", "init"}, &out, &err), 2);
  EXPECT_NE(err.find("already records its keys (sealing key " + seal + ")"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/other/personal-data.key"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/other/lookup.key"));
  EXPECT_EQ(recorded(), "lookup:current:" + lookup + ",seal:current:" + seal);
}

TEST_F(KeyFingerprintsTest, ADaemonAndBurgernetctlWithAnotherKeyFileRefuseWithExitCode2) {
  const auto right = config_with("right.key", "lookup.key");
  std::string out, err;
  ASSERT_EQ(run_ctl(write(right, "right.json"), {"keys", "init"}, &out, &err), 0) << err;
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/wrong.key"));
  const auto wrong = config_with("wrong.key", "lookup.key");

  DaemonProcess refused(wrong);
  ASSERT_EQ(refused.wait_exit(30s), std::optional<int>(2)) << refused.log();
  const std::string expected = "privacy.key_file holds key " + fingerprint8("wrong.key", "seal") +
                               ", the database was sealed with " + fingerprint8("right.key", "seal") +
                               ": wrong file or missing rotation";
  EXPECT_NE(refused.log().find(expected), std::string::npos) << refused.log();

  // burgernetctl: a command that seals personal data refuses the same way, and seals nothing.
  std::ofstream(dir_ + "/people.csv") << "phone,lat,lon,channels,quiet_from,quiet_to,language\n"
                                         "0612345678,52.37,4.89,,,,\n";
  EXPECT_EQ(run_ctl(write(wrong, "wrong.json"), {"participants", "import", dir_ + "/people.csv"}, &out, &err),
            2);
  EXPECT_NE(err.find(expected), std::string::npos) << err;
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participants"), "0");

  // A wrong lookup key is refused too: its hashes would not find anyone registered before.
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/wrong-lookup.key"));
  DaemonProcess wrong_lookup(config_with("right.key", "wrong-lookup.key"));
  ASSERT_EQ(wrong_lookup.wait_exit(30s), std::optional<int>(2)) << wrong_lookup.log();
  EXPECT_NE(wrong_lookup.log().find("privacy.lookup_key_file holds key " +
                                    fingerprint8("wrong-lookup.key", "lookup")),
            std::string::npos)
      << wrong_lookup.log();

  // The right files: it starts.
  DaemonProcess daemon(right);
  EXPECT_TRUE(daemon.wait_ready()) << daemon.log();
}

// Rotation step 1 (docs/privacy.md): daemons restarted one by one with the new key_file and the
// old key among previous_key_files agree on the new key; one with the old configuration is refused.
TEST_F(KeyFingerprintsTest, ANewKeyWithTheOldOneAsPreviousStartsARotationThatOldConfigurationsCannotUndo) {
  const auto old_config = config_with("old.key", "lookup.key");
  std::string out, err;
  ASSERT_EQ(run_ctl(write(old_config, "old.json"), {"keys", "init"}, &out, &err), 0) << err;
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/new.key"));
  auto rotating = config_with("new.key", "lookup.key");
  rotating["privacy"]["previous_key_files"] = {dir_ + "/old.key"};
  const auto old8 = fingerprint8("old.key", "seal"), new8 = fingerprint8("new.key", "seal");
  const auto lookup8 = fingerprint8("lookup.key", "lookup");
  {
    DaemonProcess first(rotating);
    ASSERT_TRUE(first.wait_ready()) << first.log();
    EXPECT_NE(first.log().find("(a rotation)"), std::string::npos) << first.log();
    DaemonProcess second(rotating);
    EXPECT_TRUE(second.wait_ready()) << second.log();
  }
  EXPECT_EQ(recorded(), "lookup:current:" + lookup8 + ",seal:current:" + new8 + ",seal:previous:" + old8);

  DaemonProcess stale(old_config);
  ASSERT_EQ(stale.wait_exit(30s), std::optional<int>(2)) << stale.log();
  EXPECT_NE(stale.log().find("privacy.key_file holds key " + old8 + ", the database was sealed with " + new8),
            std::string::npos)
      << stale.log();
  EXPECT_NE(stale.log().find("is previous in the database"), std::string::npos) << stale.log();

  // keys rotate finishes it: nothing was sealed with the old key, so it is retired at once.
  ASSERT_EQ(run_ctl(write(rotating, "rotating.json"), {"keys", "rotate"}, &out, &err), 0) << err << out;
  EXPECT_EQ(recorded(), "lookup:current:" + lookup8 + ",seal:current:" + new8 + ",seal:retired:" + old8);
}

TEST_F(KeyFingerprintsTest, ADaemonWithAMissingKeyFileRefusesAndCreatesNothing) {
  std::string out, err;
  ASSERT_EQ(run_ctl(write(config_with("keys/seal.key", "keys/lookup.key"), "init.json"), {"keys", "init"},
                    &out, &err),
            0)
      << err;
  DaemonProcess daemon(config_with("elsewhere/seal.key", "keys/lookup.key"));
  ASSERT_EQ(daemon.wait_exit(30s), std::optional<int>(2)) << daemon.log();
  EXPECT_NE(daemon.log().find("privacy.key_file " + dir_ + "/elsewhere/seal.key does not exist"),
            std::string::npos)
      << daemon.log();
  EXPECT_NE(daemon.log().find("keys init"), std::string::npos) << daemon.log();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/elsewhere")) << "no key, not even its folder, was made";
}

TEST_F(KeyFingerprintsTest, ADatabaseFromBeforeTheTableAdoptsTheFirstDaemonsKeysOnceAndThenHoldsToThem) {
  ASSERT_EQ(recorded(), "");
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/first.key"));
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/lookup.key"));
  {
    DaemonProcess daemon(config_with("first.key", "lookup.key"));
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    EXPECT_NE(daemon.log().find("recorded this daemon's"), std::string::npos) << daemon.log();
  }
  EXPECT_EQ(recorded(), "lookup:current:" + fingerprint8("lookup.key", "lookup") +
                            ",seal:current:" + fingerprint8("first.key", "seal"));
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/second.key"));
  DaemonProcess second(config_with("second.key", "lookup.key"));
  EXPECT_EQ(second.wait_exit(30s), std::optional<int>(2)) << second.log();
}

TEST_F(KeyFingerprintsTest, AdoptionIsRefusedWhenTheDatabaseHoldsValuesSealedWithAnotherKey) {
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/lost.key"));
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/lookup.key"));
  const privacy::PersonalDataKeys lost(privacy::read_key_file(dir_ + "/lost.key"), {},
                                       privacy::read_key_file(dir_ + "/lookup.key"));
  database.connection().exec(
      sql::Query{"SealedBeforeTheTable",
                 "INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
                 "VALUES ('active', $1::bytea, $2::bytea, now())"},
      lost.seal("+31612345678", "phone"), lost.lookup("+31612345678"));
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/new.key"));
  DaemonProcess daemon(config_with("new.key", "lookup.key"));
  ASSERT_EQ(daemon.wait_exit(30s), std::optional<int>(2)) << daemon.log();
  EXPECT_NE(daemon.log().find("holds values sealed with key id " + lost.sealing_identity().key_id),
            std::string::npos)
      << daemon.log();
  EXPECT_EQ(recorded(), "") << "nothing adopted";
}

// A daemon started while the database is down cannot compare its keys at start: it does so when
// the database answers, before it is ever ready, and then refuses the same way.
TEST(KeyFingerprintsLater, ADaemonStartedWhileTheDatabaseIsDownRefusesOnceItAnswers) {
  PrivateCluster cluster;
  {
    db::Connection c(cluster.url());
    db::migrate(c);
  }
  const auto dir = make_temp_dir("burgernet-fingerprints-later-");
  auto config = daemon_config(cluster.url(), dir);
  config["privacy"] = {{"key_file", dir + "/right.key"}, {"lookup_key_file", dir + "/lookup.key"}};
  { std::ofstream(dir + "/right.json") << config.dump(); }
  std::string out, err;
  ASSERT_EQ(run_ctl(dir + "/right.json", {"keys", "init"}, &out, &err), 0) << err;
  ASSERT_TRUE(privacy::create_key_file(dir + "/wrong.key"));
  config["privacy"]["key_file"] = dir + "/wrong.key";

  cluster.stop();
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_for_status("/healthz", 200, 30s)) << daemon.log();
  EXPECT_EQ(HttpClient(daemon.port()).get("/readyz").status, 503);
  cluster.start();
  ASSERT_EQ(daemon.wait_exit(30s), std::optional<int>(2)) << daemon.log();
  EXPECT_NE(daemon.log().find("refusing to run: privacy.key_file holds key"), std::string::npos)
      << daemon.log();
  EXPECT_EQ(daemon.log().find("database reachable"), std::string::npos) << "never ready: " << daemon.log();
}

}  // namespace
}  // namespace burgernet::testing
