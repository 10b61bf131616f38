// Issue 12 item 1: a large action over the real drivers (twilio_sms, twilio_voice, fcm, x) into
// the fake provider, the daemon SIGKILLed again and again while it fans out and sends: everyone
// is reached, a repeat carries the first request's key, an action that never committed sends
// nothing, and the closing reaches exactly those who got the action.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include "db/pg_proxy.hpp"
#include "reliability/reliability.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace burgernet::testing::reliability;
using namespace std::chrono_literals;

namespace {

class Kills : public ActionDaemonTest {
 protected:
  void SetUp() override {
    std::ofstream(secrets_ + "/twilio") << "twilio-auth-token-kills\n";
    std::ofstream(secrets_ + "/x_consumer") << "x-consumer-secret-kills\n";
    std::ofstream(secrets_ + "/x_token") << "x-token-secret-kills\n";
    test_service_account().write(secrets_ + "/service_account.json", provider_.url("/token"));
    provider_.serve("/token", FakeAnswer::ok(nlohmann::json{{"access_token", "ya29.kills"}, {"expires_in", 3599}}.dump()));
    provider_.latency(200ms, 500ms);  // as the real providers answer
    provider_.answer_with([this](const RecordedRequest& r) {
      const int n = ++ids_;
      if (r.target.ends_with("/Messages.json")) return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(n) + "\"}"};
      if (r.target.ends_with("/Calls.json")) return FakeAnswer{201, R"({"sid":"CA)" + std::to_string(n) + "\"}"};
      if (r.target == "/2/tweets") return FakeAnswer{201, R"({"data":{"id":")" + std::to_string(n) + "\"}}"};
      return FakeAnswer::ok(R"({"name":"projects/test-project/messages/)" + std::to_string(n) + "\"}");
    });
  }

  nlohmann::json config(const std::string& database_url) {
    const auto twilio = [this](const std::string& driver) {
      return nlohmann::json{{"driver", driver},           {"base_url", provider_.url()},
                            {"account_sid", "AC42"},      {"auth_token_file", secrets_ + "/twilio"},
                            {"from", "+3197010000000"},   {"ca_file", provider_.ca_file()},
                            {"concurrency", kConcurrency}};
    };
    auto c = daemon_config(database_url, outbox_);
    c["channels"] = {{"sms", twilio("twilio_sms")},
                     {"voice", twilio("twilio_voice")},
                     {"push",
                      {{"driver", "fcm"},
                       {"base_url", provider_.url()},
                       {"service_account_file", secrets_ + "/service_account.json"},
                       {"ca_file", provider_.ca_file()},
                       {"concurrency", kConcurrency}}},
                     {"twitter",
                      {{"driver", "x"},
                       {"base_url", provider_.url()},
                       {"consumer_key", "ck-kills"},
                       {"consumer_secret_file", secrets_ + "/x_consumer"},
                       {"access_token", "at-kills"},
                       {"access_token_secret_file", secrets_ + "/x_token"},
                       {"ca_file", provider_.ca_file()}}}};
    // A short lease: rows a killed daemon held go back to the queue within seconds.
    c["queue"] = {{"lease_s", 5}, {"poll_ms", 200}};
    // Small fan-out chunks: the fan-out of 20,000 runs long enough for a kill to meet it.
    c["limits"] = {{"confirm_above", 1000000}, {"fanout_chunk", 2000}};
    return c;
  }
  void restart(const std::string& database_url) {
    daemon_ = std::make_unique<DaemonProcess>(config(database_url));
    ASSERT_TRUE(daemon_->wait_ready(30s)) << daemon_->log();
    if (operator_token_.empty()) operator_token_ = token("operator", "op");
  }
  void kill_daemon() {
    daemon_->signal(SIGKILL);
    ASSERT_TRUE(daemon_->wait_exit(10s));
    ++kills_;
    // Only the rows it held can go twice: one daemon runs at a time, so every row still
    // 'sending' was the dead one's.
    held_at_kills_ += std::stoul(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sending'"));
  }
  std::string statuses() {
    return database.scalar("SELECT string_agg(channel || ':' || kind || ':' || status || '=' || n, ', ') FROM "
                           "(SELECT channel, kind, status, count(*) n FROM deliveries GROUP BY 1, 2, 3) s");
  }
  bool all_final(std::chrono::seconds timeout) {
    return database.wait_for("SELECT (SELECT count(*) FROM action_fanout_chunks) + (SELECT count(*) FROM "
                             "deliveries WHERE status IN ('queued', 'sending'))",
                             "0", timeout);
  }

  static constexpr int kConcurrency = 64;
  std::string secrets_ = make_temp_dir("kills-secrets-");
  std::atomic<int> ids_{0};
  FakeProvider provider_;
  int kills_ = 0;
  std::size_t held_at_kills_ = 0;
};

TEST_F(Kills, FiveKillsWithRealDriversReachEveryoneOnceByKeyAndTheClosingFollows) {
  const auto started = std::chrono::steady_clock::now();
  // Everyday 4,000 recipients (10,001 messages, about two minutes); the soak sends 20,000.
  const int n = sized(4000, 20000);
  const auto people = insert_population(database, n, "{voice,sms,push}", /*device_every=*/2);
  std::mt19937 random{std::random_device{}()};

  // An action whose transaction never commits: the daemon is killed while its COMMIT is held.
  {
    PgProxy proxy(database.url());
    restart(proxy.url());
    proxy.on_commit(PgProxy::Commit::kHold);
    auto body = action(circle(centre(), 300));
    body["message"] = "Nooit vastgelegd: man met rode pet.";
    auto post = std::async(std::launch::async, [&] {
      try {
        return client().post("/v1/actions", body).status;
      } catch (const std::exception&) {
        return 0;  // the connection died with the daemon
      }
    });
    ASSERT_TRUE(proxy.wait_triggered(20s)) << daemon_->log();
    kill_daemon();
    EXPECT_NE(post.get(), 201);
  }  // the proxy goes, and with it the held transaction
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                                "state LIKE 'idle in transaction%'",
                                "0", 10s));
  ASSERT_EQ(database.scalar("SELECT count(*) FROM actions"), "0") << "the killed POST left nothing";

  restart(database.url());
  auto body = action(circle(centre(), grid_radius_m(n)));
  body["title"] = "Vermist kind";
  body["message"] = "Meisje van 7 met roze jas, tips via 0800-0011.";
  const auto id = raise_action(client(), body);
  ASSERT_FALSE(id.empty());

  // 1: during the fan-out, as the first messages reach the provider.
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s)) << daemon_->log();
  const bool fanout_running = database.scalar("SELECT count(*) FROM action_fanout_chunks") != "0";
  kill_daemon();
  std::cout << "[ kills ] kill 1 with the fan-out " << (fanout_running ? "still running" : "done") << " after "
            << provider_.request_count() << " requests\n";
  // 2-5: mid-batch at random moments, and right after the provider answered (its answer is
  // out, our record of it is not yet written).
  for (int k = 2; k <= 5; ++k) {
    restart(database.url());
    const auto target = provider_.request_count() + std::uniform_int_distribution<std::size_t>(n / 60, n / 8)(random);
    ASSERT_TRUE(provider_.wait_for_requests(target, 120s)) << statuses();
    if (k == 3 || k == 5) std::this_thread::sleep_for(550ms);  // every request so far answered
    kill_daemon();
    std::cout << "[ kills ] kill " << k << " after " << provider_.request_count() << " requests"
              << (k == 3 || k == 5 ? ", 550 ms after request " + std::to_string(target) : std::string()) << "\n";
  }
  restart(database.url());
  ASSERT_TRUE(all_final(300s)) << statuses();
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status NOT IN ('sent', 'delivered')"), "0")
      << statuses();

  // Everyone by every channel, a repeat only with the first request's key.
  std::this_thread::sleep_for(1000ms);  // a late repeat would come now
  const auto action_requests = provider_.requests();
  const auto sent = count_repeats(read_messages(action_requests));
  const std::size_t devices = people.push_tokens.size();
  EXPECT_EQ(sent.reached.at("sms").size(), people.phones.size());
  EXPECT_EQ(sent.reached.at("voice").size(), people.phones.size());
  EXPECT_EQ(sent.reached.at("push").size(), devices);
  EXPECT_EQ(sent.reached.at("x").size(), 1u);
  EXPECT_EQ(sent.messages, 2 * people.phones.size() + devices + 1) << "one message per recipient and channel";
  EXPECT_EQ(sent.without_key, 0u);
  EXPECT_EQ(sent.repeats_same_key, sent.repeats) << "a repeat with another key";
  EXPECT_LE(sent.repeats, held_at_kills_) << "more repeats than rows the killed daemons held";
  for (const auto& m : read_messages(action_requests)) {
    ASSERT_EQ(m.text.find("rode pet"), std::string::npos) << "the uncommitted action was sent";
  }

  // The closing: exactly those who got the action, by each channel but voice.
  provider_.clear();
  const auto closed = client().post("/v1/actions/" + id + "/close",
                                    {{"outcome", "resolved"}, {"message", "Het meisje is terecht. Dank!"}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  ASSERT_TRUE(all_final(300s)) << statuses();
  std::this_thread::sleep_for(1000ms);
  auto closing = count_repeats(read_messages(provider_.requests()));
  // Compared whole, printed as sizes: a set of 20,000 numbers is no message for a person.
  EXPECT_TRUE(closing.reached["sms"] == sent.reached.at("sms"))
      << closing.reached["sms"].size() << " closing SMS recipients, " << sent.reached.at("sms").size() << " action";
  EXPECT_TRUE(closing.reached["push"] == sent.reached.at("push"))
      << closing.reached["push"].size() << " closing push recipients, " << sent.reached.at("push").size() << " action";
  EXPECT_EQ(closing.reached["x"].size(), 1u);
  EXPECT_EQ(closing.reached.count("voice"), 0u) << "nobody is called to say it is over";
  EXPECT_EQ(closing.repeats, 0u);

  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  std::cout << "[ kills ] " << n << " recipients, " << sent.messages << " action messages (" << sent.requests
            << " requests) and " << closing.messages << " closing messages checked; " << kills_
            << " kills (one during an uncommitted POST), holding " << held_at_kills_ << " rows; " << sent.repeats << " repeats, "
            << sent.repeats_same_key << " with the first request's key (";
  for (const auto& [route, k] : sent.repeats_by_route) std::cout << route << " " << k << ", ";
  std::cout << "the last at request " << sent.last_repeat << "); " << seconds.count() << " s\n";
  RecordProperty("recipients", n);
  RecordProperty("messages", static_cast<int>(sent.messages + closing.messages));
  RecordProperty("kills", kills_);
  RecordProperty("repeats", static_cast<int>(sent.repeats));
  RecordProperty("repeats_same_key", static_cast<int>(sent.repeats_same_key));
}

}  // namespace
