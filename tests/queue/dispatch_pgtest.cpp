// The queue end to end through real daemons with file channels: every delivery sent exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "support/daemon_process.hpp"
#include "support/test_database.hpp"
#include "support/test_keys.hpp"

using namespace burgernet::testing;

namespace {

void seed(TestDatabase& db, int sms, int twitter) {
  db.scalar("INSERT INTO participants (id, phone_sealed, phone_lookup, status) VALUES "
            "('00000000-0000-0000-0000-000000000001', '" +
            test_keys().seal("+31612345678", "phone") + "', '" + test_keys().lookup("+31612345678") + "', 'active')");
  db.scalar("INSERT INTO actions (id, kind, category, title, message, area_request, area, channels, expires_at) "
            "VALUES ('00000000-0000-0000-0000-0000000000a1', 'urgent', 'missing_person', 'Vermiste jongen', "
            "'Rode jas', '{}', ST_Buffer(ST_SetSRID(ST_MakePoint(155000, 463000), 28992), 1000), "
            "'{sms,twitter}', now() + interval '1 hour')");
  db.scalar("INSERT INTO action_messages (id, action_id, kind, text) VALUES "
            "(1, '00000000-0000-0000-0000-0000000000a1', 'action', 'Rode jas. Tips: 06-12345678')");
  db.scalar("INSERT INTO deliveries (action_id, message_id, participant_id, channel, kind) SELECT "
            "'00000000-0000-0000-0000-0000000000a1', 1, '00000000-0000-0000-0000-000000000001', 'sms', 'action' "
            "FROM generate_series(1, " + std::to_string(sms) + ")");
  db.scalar("INSERT INTO deliveries (action_id, message_id, channel, kind) SELECT "
            "'00000000-0000-0000-0000-0000000000a1', 1, 'twitter', 'action' FROM generate_series(1, " +
            std::to_string(twitter) + ")");
}

void add_sms(TestDatabase& db, int count) {
  db.scalar("INSERT INTO deliveries (action_id, message_id, participant_id, channel, kind) SELECT "
            "'00000000-0000-0000-0000-0000000000a1', 1, '00000000-0000-0000-0000-000000000001', 'sms', 'action' "
            "FROM generate_series(1, " + std::to_string(count) + ")");
}

bool wait_for_log(const DaemonProcess& daemon, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (daemon.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Rewrites the daemon's config file (keeping its port) and sends SIGHUP.
void reload(const DaemonProcess& daemon, nlohmann::json config) {
  config["http"]["listen"] = "127.0.0.1:" + std::to_string(daemon.port());
  std::ofstream(daemon.config_path()) << config.dump(2);
  daemon.signal(SIGHUP);
}

bool wait_all_sent(TestDatabase& db, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (db.scalar("SELECT count(*) FROM deliveries WHERE status <> 'sent'") == "0") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::map<std::int64_t, int> outbox_ids(const std::string& path, std::vector<nlohmann::json>* lines = nullptr) {
  std::map<std::int64_t, int> ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto json = nlohmann::json::parse(line);
    ++ids[json.at("delivery_id").get<std::int64_t>()];
    if (lines) lines->push_back(std::move(json));
  }
  return ids;
}

}  // namespace

TEST(Dispatch, OneDaemonSendsEveryDeliveryOnce) {
  TestDatabase db;
  seed(db, 500, 1);
  const auto outbox = make_temp_dir("outbox-");
  DaemonProcess daemon(daemon_config(db.url(), outbox));
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();
  std::vector<nlohmann::json> sms_lines, tweet_lines;
  const auto sms = outbox_ids(outbox + "/sms.jsonl", &sms_lines);
  const auto tweets = outbox_ids(outbox + "/twitter.jsonl", &tweet_lines);
  EXPECT_EQ(sms.size(), 500u);
  EXPECT_EQ(sms_lines.size(), 500u);
  for (const auto& line : sms_lines) EXPECT_EQ(line.at("to"), "+31612345678");
  ASSERT_EQ(tweet_lines.size(), 1u);
  EXPECT_TRUE(tweet_lines[0].at("to").is_null());
  EXPECT_EQ(tweet_lines[0].at("text").get<std::string>().find("12345678"), std::string::npos);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM action_sends JOIN actions ON actions.id = action_sends.action_id "
                      "WHERE first_sent_at <= last_sent_at"),
            "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveries WHERE body IS NOT NULL OR lease_owner IS NOT NULL"), "0");
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(std::chrono::seconds(15)), 0);
}

TEST(Dispatch, TwoDaemonsNeverSendTheSameDeliveryTwice) {
  TestDatabase db;
  seed(db, 2000, 0);
  const auto outbox = make_temp_dir("outbox-");
  DaemonProcess a(daemon_config(db.url(), outbox));
  DaemonProcess b(daemon_config(db.url(), outbox));
  ASSERT_TRUE(a.wait_ready()) << a.log();
  ASSERT_TRUE(b.wait_ready()) << b.log();
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30)));
  const auto ids = outbox_ids(outbox + "/sms.jsonl");
  EXPECT_EQ(ids.size(), 2000u);
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
}

TEST(Dispatch, ExpiredDeliveriesAreNeverWritten) {
  TestDatabase db;
  seed(db, 0, 0);
  db.scalar("INSERT INTO deliveries (action_id, message_id, participant_id, channel, kind, expires_at) VALUES "
            "('00000000-0000-0000-0000-0000000000a1', 1, '00000000-0000-0000-0000-000000000001', 'sms', 'action', "
            "now() - interval '1 second')");
  const auto outbox = make_temp_dir("outbox-");
  DaemonProcess daemon(daemon_config(db.url(), outbox));
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (db.scalar("SELECT status FROM deliveries") != "expired" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(db.scalar("SELECT status FROM deliveries"), "expired");
  EXPECT_FALSE(std::filesystem::exists(outbox + "/sms.jsonl"));
}

// The required test: a daemon killed mid-batch loses nothing. Its leased rows come back
// after the lease; duplicates only where it wrote lines and died before completing, bounded by
// what one process can hold (batch_size * concurrency).
TEST(Dispatch, ADaemonKilledMidBatchLosesNothing) {
  TestDatabase db;
  seed(db, 20000, 0);
  const auto outbox = make_temp_dir("outbox-");
  auto config = daemon_config(db.url(), outbox);
  config["queue"] = {{"lease_s", 5}, {"batch_size", 50}};
  auto victim = std::make_unique<DaemonProcess>(config);
  ASSERT_TRUE(victim->wait_ready()) << victim->log();
  // Kill as soon as it has written something and before it can finish 20,000 rows.
  const auto start = std::chrono::steady_clock::now();
  while (!std::filesystem::exists(outbox + "/sms.jsonl") &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  victim->signal(SIGKILL);
  victim->wait_exit(std::chrono::seconds(5));
  const auto held = std::stoi(db.scalar("SELECT count(*) FROM deliveries WHERE status = 'sending'"));
  DaemonProcess survivor(config);
  ASSERT_TRUE(survivor.wait_ready()) << survivor.log();
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(60))) << survivor.log();
  const auto ids = outbox_ids(outbox + "/sms.jsonl");
  EXPECT_EQ(ids.size(), 20000u);
  int duplicates = 0;
  for (const auto& [id, count] : ids) duplicates += count - 1;
  RecordProperty("held_at_kill", held);
  RecordProperty("duplicates", duplicates);
  EXPECT_LE(duplicates, held);
  EXPECT_LE(duplicates, 50 * 4);
}

TEST(DispatchReload, ANewOutboxPathTakesEffectOnSighup) {
  TestDatabase db;
  seed(db, 20, 0);
  const auto outbox = make_temp_dir("outbox-");
  auto config = daemon_config(db.url(), outbox);
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();
  const auto before = outbox_ids(outbox + "/sms.jsonl");
  ASSERT_EQ(before.size(), 20u);

  config["channels"]["sms"]["path"] = outbox + "/sms-moved.jsonl";
  reload(daemon, config);
  ASSERT_TRUE(wait_for_log(daemon, "channel sms uses its new settings")) << daemon.log();
  add_sms(db, 30);
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();

  EXPECT_EQ(outbox_ids(outbox + "/sms.jsonl"), before) << "a message went to the old path after SIGHUP";
  const auto moved = outbox_ids(outbox + "/sms-moved.jsonl");
  EXPECT_EQ(moved.size(), 30u);
  for (const auto& [id, count] : moved) EXPECT_FALSE(before.contains(id)) << id;
  // Channels whose settings did not change were left alone.
  EXPECT_EQ(daemon.log().find("channel twitter uses its new settings"), std::string::npos) << daemon.log();
  EXPECT_TRUE(daemon.running());
}

TEST(DispatchReload, AChannelThatCannotBeSetUpKeepsSendingWithItsOldSettings) {
  TestDatabase db;
  seed(db, 10, 0);
  const auto outbox = make_temp_dir("outbox-");
  auto config = daemon_config(db.url(), outbox);
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();

  config["channels"]["sms"] = {{"driver", "twilio_sms"},
                               {"account_sid", "AC0123456789"},
                               {"from", "+3197010000000"},
                               {"auth_token_file", outbox + "/no-such-token"}};
  reload(daemon, config);
  ASSERT_TRUE(wait_for_log(daemon, "channel sms keeps its old settings")) << daemon.log();
  EXPECT_NE(daemon.log().find("channels.sms.auth_token_file"), std::string::npos) << daemon.log();
  add_sms(db, 10);
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();
  EXPECT_EQ(outbox_ids(outbox + "/sms.jsonl").size(), 20u);
  EXPECT_EQ(daemon.log().find("+31612345678"), std::string::npos);
  EXPECT_TRUE(daemon.running());
}

TEST(DispatchReload, AddedChannelsAndConcurrencyAreNamedAsNeedingARestart) {
  TestDatabase db;
  seed(db, 0, 0);
  const auto outbox = make_temp_dir("outbox-");
  auto config = daemon_config(db.url(), outbox);
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  config["channels"]["email"] = {{"driver", "file"}, {"path", outbox + "/email.jsonl"}};
  config["channels"]["sms"]["concurrency"] = 1;
  reload(daemon, config);
  EXPECT_TRUE(wait_for_log(daemon, "channel email is new")) << daemon.log();
  EXPECT_TRUE(wait_for_log(daemon, "channels.sms.concurrency takes effect only after a restart")) << daemon.log();
  add_sms(db, 10);
  ASSERT_TRUE(wait_all_sent(db, std::chrono::seconds(30))) << daemon.log();
  EXPECT_EQ(outbox_ids(outbox + "/sms.jsonl").size(), 10u);
}
