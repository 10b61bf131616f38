// Retention: stale device locations, unverified sign-ups, expired codes and Idempotency-Key
// answers are purged (not just ignored), by the function and by the daemon's janitor.
#include <gtest/gtest.h>

#include <thread>

#include "action/population.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/participant/participant_store.hpp"
#include "burgernet/privacy/retention.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class RetentionTest : public DatabaseTest {
 protected:
  std::string scalar(const std::string& sql) { return database.scalar(sql); }

  // A pending sign-up made `age` ago, with a code that expired (or is still valid), a queued
  // verification message and one already sent.
  std::string pending_sign_up(const std::string& age, bool code_valid = false) {
    static int counter = 0;
    const std::string phone = "+3162" + std::to_string(1000000 + (++counter));
    const auto& keys = test_keys();
    const auto id = scalar(
        "INSERT INTO participants (status, phone_sealed, phone_lookup, created_at) VALUES "
        "('pending_verification', '" +
        keys.seal(phone, "phone") + "', '" + keys.lookup(phone) + "', now() - interval '" + age +
        "') RETURNING id");
    scalar("INSERT INTO participant_addresses (participant_id, position, location, channels) VALUES ('" + id +
           "', 0, " + sql_point(centre()) + ", '{sms}')");
    scalar("INSERT INTO verification_codes (participant_id, code_hash, expires_at, created_at) VALUES ('" +
           id + "', '" + participant::code_hash_param(id, "123456") + "', now() " + (code_valid ? "+" : "-") +
           " interval '5 minutes', now() - interval '5 minutes')");
    scalar("INSERT INTO deliveries (participant_id, channel, kind, body, status) VALUES ('" + id +
           "', 'sms', 'verification', '" + keys.seal("Uw code is 123456", "verification") + "', 'queued')");
    scalar("INSERT INTO deliveries (participant_id, channel, kind, status, sent_at) VALUES ('" + id +
           "', 'sms', 'verification', 'sent', now() - interval '" + age + "')");
    return id;
  }

  std::string exists(const std::string& table, const std::string& where) {
    return scalar("SELECT count(*) FROM " + table + " WHERE " + where);
  }

  config::Config settings;  // locations.ttl_s: the default, two hours
};

TEST_F(RetentionTest, DeviceLocationsOlderThanTheTtlAreClearedFreshOnesKept) {
  const auto stale = add_participant(database, {}, {{offset(centre(), 100, 0), 7300}});
  const auto fresh = add_participant(database, {}, {{offset(centre(), 100, 0), 7000}});
  const auto none = add_participant(database, {}, {{std::nullopt}});
  scalar("UPDATE devices SET location_accuracy_m = 12");

  const auto purged = privacy::purge_expired(database.connection(), settings);
  EXPECT_EQ(purged.device_locations, 1);
  EXPECT_EQ(
      exists("devices", "participant_id = '" + stale +
                            "' AND location IS NULL AND location_at IS NULL AND location_accuracy_m IS NULL"),
      "1")
      << "the stale location, its time and its accuracy are gone";
  EXPECT_EQ(exists("devices",
                   "participant_id = '" + fresh + "' AND location IS NOT NULL AND location_accuracy_m = 12"),
            "1");
  EXPECT_EQ(exists("devices", "participant_id = '" + none + "'"), "1") << "the device itself stays";
  EXPECT_EQ(exists("devices", "true"), "3");
  EXPECT_EQ(privacy::purge_expired(database.connection(), settings).total(), 0) << "nothing left to purge";

  // The TTL is the configured one.
  settings.location_ttl = 6000s;
  EXPECT_EQ(privacy::purge_expired(database.connection(), settings).device_locations, 1);
  EXPECT_EQ(exists("devices", "participant_id = '" + fresh + "' AND location IS NULL"), "1");
}

TEST_F(RetentionTest, SignUpsNeverVerifiedAreErasedAfter24HoursWithTheirCodesAndQueuedMessages) {
  const auto old = pending_sign_up("25 hours");
  const auto recent = pending_sign_up("23 hours");
  const auto resent = pending_sign_up("25 hours", /*code_valid=*/true);
  // Active once, then a new number that is not verified yet: a participant, not a sign-up.
  const auto changed = pending_sign_up("800 days");
  scalar("UPDATE participants SET status = 'active' WHERE id = '" + changed + "'");
  scalar("UPDATE participants SET status = 'pending_verification', verified_at = NULL WHERE id = '" +
         changed + "'");
  const auto active = add_participant(database, {{centre()}});
  scalar("UPDATE participants SET created_at = now() - interval '800 days'");
  scalar("UPDATE participants SET created_at = now() - interval '23 hours' WHERE id = '" + recent + "'");

  const auto purged = privacy::purge_expired(database.connection(), settings);
  EXPECT_EQ(purged.pending_sign_ups, 1);
  EXPECT_EQ(exists("participants", "id = '" + old + "'"), "0");
  EXPECT_EQ(exists("participant_addresses", "participant_id = '" + old + "'"), "0");
  EXPECT_EQ(exists("verification_codes", "participant_id = '" + old + "'"), "0");
  EXPECT_EQ(exists("deliveries", "status = 'queued' AND participant_id IS NULL"), "0")
      << "the queued message with the code went with the sign-up";
  EXPECT_EQ(exists("deliveries", "status = 'sent' AND participant_id IS NULL AND body IS NULL"), "1")
      << "what was sent stays as an anonymous row";
  for (const auto& kept : {recent, resent, changed, active}) {
    EXPECT_EQ(exists("participants", "id = '" + kept + "'"), "1") << kept;
  }
  // Codes past their expiry go too, whoever they belong to; a valid one stays.
  EXPECT_EQ(purged.verification_codes, 2);
  EXPECT_EQ(exists("verification_codes", "true"), "1");
  EXPECT_EQ(exists("verification_codes", "participant_id = '" + resent + "'"), "1");
}

TEST_F(RetentionTest, IdempotencyAnswersOlderThan24HoursAreDeleted) {
  const auto token = scalar("INSERT INTO api_tokens (name, role, token_hash) VALUES ('desk', 'operator', '" +
                            auth::secret_hash_param("bn_x") + "') RETURNING id");
  for (const auto& [key, age] :
       {std::pair{"old", "25 hours"}, std::pair{"new", "23 hours"}, std::pair{"running", "30 hours"}}) {
    scalar(
        std::string("INSERT INTO idempotency_keys (token_id, key, request_hash, response_status, created_at) "
                    "VALUES ('") +
        token + "', '" + key + "', '\\x00', " + (std::string(key) == "running" ? "NULL" : "201") +
        ", now() - interval '" + age + "')");
  }
  EXPECT_EQ(privacy::purge_expired(database.connection(), settings).idempotency_keys, 2);
  EXPECT_EQ(scalar("SELECT string_agg(key, ',') FROM idempotency_keys"), "new");
}

TEST_F(RetentionTest, BatchesRepeatUntilDoneAndTwoDaemonsPurgeEachRowOnce) {
  for (int i = 0; i < 40; ++i) add_participant(database, {}, {{offset(centre(), i, 0), 9000}});
  EXPECT_EQ(privacy::purge_expired(database.connection(), settings, /*batch=*/7).device_locations, 40);

  for (int i = 0; i < 400; ++i) add_participant(database, {}, {{offset(centre(), i, 0), 9000}});
  std::int64_t first = 0, second = 0;
  {
    db::Connection a(database.url()), b(database.url());
    std::thread one([&] { first = privacy::purge_expired(a, settings, 10).device_locations; });
    std::thread two([&] { second = privacy::purge_expired(b, settings, 10).device_locations; });
    one.join();
    two.join();
  }
  EXPECT_EQ(first + second, 400) << first << " + " << second;
  EXPECT_EQ(exists("devices", "location IS NOT NULL"), "0");
}

TEST_F(RetentionTest, TheDaemonPurgesOnItsOwnAndCountsWhatItPurged) {
  const auto stale = add_participant(database, {}, {{offset(centre(), 100, 0), 8000}});
  DaemonProcess daemon(daemon_config(database.url(), make_temp_dir("burgernet-outbox-")));
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  // The first pass runs once the database is ready, then every minute.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (exists("devices", "location IS NOT NULL") != "0" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(exists("devices", "location IS NOT NULL"), "0") << daemon.log();
  // The counters are bumped when the whole pass is done (the delivery partitions come last).
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = HttpClient(daemon.port()).get("/metrics").body;
    if (metrics.find("burgernet_retention_purged_total") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("burgernet_retention_purged_total{what=\"device_location\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("burgernet_retention_purged_total{what=\"pending_sign_up\"} 0"), std::string::npos)
      << metrics;
}

TEST_F(RetentionTest, TheDaemonDropsDeliveryMonthsPastRetentionAndCreatesTheMonthsAhead) {
  auto month = [this](int months) {
    return scalar(
        "SELECT 'deliveries_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + "
        "make_interval(months => " +
        std::to_string(months) + "), 'YYYY_MM')");
  };
  auto exists_table = [this](const std::string& name) {
    return scalar("SELECT to_regclass('" + name + "') IS NOT NULL");
  };
  scalar(
      "SELECT burgernet_delivery_partition_create((date_trunc('month', now() AT TIME ZONE 'UTC') - interval "
      "'4 "
      "months')::date)");
  scalar(
      "INSERT INTO deliveries (channel, kind, status, created_at) VALUES ('sms', 'verification', 'sent', "
      "(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '4 months' + interval '1 day') AT TIME ZONE "
      "'UTC')");
  scalar("DROP TABLE " + month(1) + ", " + month(2));  // as if no daemon ran for two months
  auto config = daemon_config(database.url(), make_temp_dir("burgernet-outbox-"));
  config["retention"] = {{"deliveries_months", 3}};
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  EXPECT_EQ(exists_table(month(1)), "t") << "created before serving";
  EXPECT_EQ(exists_table(month(2)), "t");
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (exists_table(month(-4)) != "f" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(exists_table(month(-4)), "f") << daemon.log();
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), "0");
  std::string metrics;
  for (int i = 0; i < 20; ++i) {  // the metric follows the drop by a moment
    metrics = HttpClient(daemon.port()).get("/metrics").body;
    if (metrics.find("{event=\"dropped\"} 1") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("burgernet_retention_purged_total{what=\"delivery\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("burgernet_delivery_partitions_total{event=\"dropped\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("burgernet_delivery_partitions_total{event=\"created\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(daemon.log().find("dropped delivery partition " + month(-4) + " (1 rows"), std::string::npos)
      << daemon.log();
}

}  // namespace
}  // namespace burgernet::testing
