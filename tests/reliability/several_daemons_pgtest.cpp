// Issue 12 item 6: three daemons on one database send one large action, and one of them is
// SIGKILLed halfway: nobody is reached twice but for the killed daemon's requests in flight
// (sent again with the same key), and the work is spread over all three.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "reliability/reliability.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace burgernet::testing::reliability;
using namespace std::chrono_literals;

namespace {

class SeveralDaemons : public ActionDaemonTest {
 protected:
  void SetUp() override { std::ofstream(secrets_ + "/twilio") << "twilio-auth-token-several\n"; }

  // Each daemon sends to its own fake, so each fake's requests are that daemon's.
  nlohmann::json config(const FakeProvider& provider) {
    auto c = daemon_config(database.url(), outbox_);
    c["channels"] = {{"sms",
                      {{"driver", "twilio_sms"},         {"base_url", provider.url()},
                       {"account_sid", "AC42"},          {"auth_token_file", secrets_ + "/twilio"},
                       {"from", "+3197010000000"},       {"ca_file", provider.ca_file()},
                       {"concurrency", 16}}}};
    c["queue"] = {{"lease_s", 5}, {"poll_ms", 200}};
    c["limits"] = {{"confirm_above", 1000000}};
    return c;
  }
  std::string statuses() {
    return database.scalar("SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM "
                           "deliveries GROUP BY 1) s");
  }

  std::string secrets_ = make_temp_dir("several-secrets-");
  std::array<FakeProvider, 3> providers_;
  std::array<std::unique_ptr<DaemonProcess>, 3> daemons_;
};

TEST_F(SeveralDaemons, OneKilledHalfwayTheOthersFinishAndNobodyIsReachedTwiceButInFlight) {
  const auto started = std::chrono::steady_clock::now();
  const int n = sized(50000, 50000);
  const auto people = insert_population(database, n, "{sms}", /*device_every=*/0, 10, '4');
  std::atomic<int> sids{0};
  for (auto& p : providers_) {
    p.latency(20ms, 50ms);
    p.answer_with([&sids](const RecordedRequest&) {
      return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(++sids) + "\"}"};
    });
  }
  for (int i = 0; i < 3; ++i) {
    daemons_[i] = std::make_unique<DaemonProcess>(config(providers_[i]));
    ASSERT_TRUE(daemons_[i]->wait_ready(30s)) << daemons_[i]->log();
  }
  daemon_ = std::move(daemons_[0]);  // the fixture's daemon: the API, and the one that survives the test's end
  operator_token_ = token("operator", "op");
  auto body = action(circle(centre(), grid_radius_m(n)));
  body["channels"] = {"sms"};
  const auto id = raise_action(client(), body);
  ASSERT_FALSE(id.empty());

  const auto total = [this] {
    std::size_t sum = 0;
    for (const auto& p : providers_) sum += p.request_count();
    return sum;
  };
  const auto deadline = std::chrono::steady_clock::now() + 300s;
  while (total() < static_cast<std::size_t>(n / 2) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(total(), static_cast<std::size_t>(n / 2)) << statuses();
  daemons_[2]->signal(SIGKILL);
  ASSERT_TRUE(daemons_[2]->wait_exit(10s));
  std::this_thread::sleep_for(200ms);  // what it wrote before it died is read by the fake now
  const auto killed_at = providers_[2].request_count();
  // The claims write "host:pid:random:channel:worker:claim" as the lease's owner: the rows the
  // dead daemon held, which stay 'sending' until their lease runs out.
  const auto in_flight = database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sending' AND "
                                         "split_part(lease_owner, ':', 2) = '" +
                                         std::to_string(daemons_[2]->pid()) + "'");

  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status IN ('queued', 'sending')", "0", 300s))
      << statuses();
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status NOT IN ('sent', 'delivered')"), "0")
      << statuses();
  std::this_thread::sleep_for(1000ms);  // a late repeat would come now

  std::vector<Message> all;
  std::array<std::size_t, 3> per_daemon{};
  for (int i = 0; i < 3; ++i) {
    const auto messages = read_messages(providers_[i].requests());
    per_daemon[i] = messages.size();
    all.insert(all.end(), messages.begin(), messages.end());
  }
  EXPECT_EQ(providers_[2].request_count(), killed_at) << "a dead daemon sends nothing";
  const auto sent = count_repeats(all);
  EXPECT_EQ(sent.reached.at("sms").size(), people.phones.size()) << "everyone reached";
  EXPECT_EQ(sent.messages, people.phones.size());
  EXPECT_EQ(sent.without_key, 0u);
  EXPECT_EQ(sent.repeats_same_key, sent.repeats) << "a repeat with another key";
  // Only what the killed daemon held (its requests in flight and the rest of its claims) can
  // go twice; never the survivors' rows.
  EXPECT_LE(sent.repeats, std::stoul(in_flight)) << "more repeats than rows in flight at the kill";
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(per_daemon[i], static_cast<std::size_t>(n / 10)) << "daemon " << i << " did little of the work";
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  std::cout << "[ several daemons ] " << n << " recipients, " << sent.requests << " requests: " << per_daemon[0]
            << " / " << per_daemon[1] << " / " << per_daemon[2] << " (the third killed after " << killed_at
            << ", " << in_flight << " rows in flight); " << sent.repeats << " repeats, " << sent.repeats_same_key
            << " with the first request's key; " << seconds.count() << " s\n";
  RecordProperty("requests", static_cast<int>(sent.requests));
  RecordProperty("repeats", static_cast<int>(sent.repeats));
  for (int i = 0; i < 3; ++i) RecordProperty("daemon_" + std::to_string(i), static_cast<int>(per_daemon[i]));
}

}  // namespace
