// The series an on-call person is paged on, scraped from a running daemon that sends, waits and
// fails as in production: queue age, circuit breakers, action send times, pool waits, urgent
// actions not sent, build info; and the whole scrape must pass `promtool check metrics`.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "action/population.hpp"
#include "metrics/shell_command.hpp"
#include "support/fake_provider.hpp"

using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

// "name{label="value",...}" -> value, for every sample line of a scrape (labels as rendered:
// sorted by name).
std::map<std::string, double> parse_samples(const std::string& scrape) {
  std::map<std::string, double> out;
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

class MetricsScrape : public ActionDaemonTest {
 protected:
  void SetUp() override {
    std::ofstream(secrets_ + "/twilio") << "twilio-auth-token-metrics\n";
    working_.answer_with([this](const RecordedRequest&) {
      return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(++sids_) + "\"}"};
    });
    failing_.answer(FakeAnswer::status_only(503));
  }

  nlohmann::json twilio(const FakeProvider& provider) {
    return {{"driver", "twilio_sms"},         {"base_url", provider.url()},
            {"account_sid", "AC42"},          {"auth_token_file", secrets_ + "/twilio"},
            {"from", "+3197010000000"},       {"status_callback_url", "https://burgernet.example/cb"},
            {"ca_file", provider.ca_file()}, {"concurrency", 1}};
  }
  nlohmann::json webhook(const FakeProvider& provider) {
    return {{"driver", "webhook"}, {"url", provider.url("/hook")}, {"secret_file", secrets_ + "/twilio"},
            {"ca_file", provider.ca_file()}, {"concurrency", 1}};
  }

  // Polls the scrape until `series` has a value that `good` accepts; the last scrape's samples.
  std::map<std::string, double> scrape_until(const std::string& series, const std::function<bool(double)>& good,
                                             std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::map<std::string, double> samples;
    do {
      last_scrape_ = HttpClient(daemon_->port()).get("/metrics").body;
      samples = parse_samples(last_scrape_);
      if (const auto it = samples.find(series); it != samples.end() && good(it->second)) return samples;
      std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < deadline);
    ADD_FAILURE() << series << " never had the value wanted; last scrape:\n" << last_scrape_;
    return samples;
  }

  std::string secrets_ = make_temp_dir("metrics-secrets-");
  FakeProvider working_, failing_;
  std::atomic<int> sids_{0};
  std::string last_scrape_;
};

TEST_F(MetricsScrape, SendingWaitingAndFailingShowInTheScrapeAndPromtoolAcceptsIt) {
  for (int i = 0; i < 3; ++i) add_participant(database, {{offset(centre(), 100.0 * i, 0)}});
  // A backlog of SMS paced at one message a second, due ten minutes ago: it waits.
  const std::string waiting = add_participant(database, {});
  database.scalar("INSERT INTO deliveries (participant_id, channel, kind, body, run_after) SELECT '" + waiting +
                  "', 'sms', 'verification', '" + test_keys().seal("Code 1234", "verification") +
                  "', now() - interval '10 minutes' FROM generate_series(1, 200)");

  auto config = daemon_config(database.url(), outbox_);
  auto sms = twilio(working_);
  sms["rate_per_s"] = 1;
  auto hook = webhook(failing_);
  hook["circuit_failures"] = 2;
  hook["circuit_open_ms"] = 60000;
  config["channels"]["sms"] = sms;
  config["channels"]["hook"] = hook;
  config["queue"] = {{"poll_ms", 100}, {"retry_base_ms", 10}, {"retry_max_ms", 20}};
  daemon_ = std::make_unique<DaemonProcess>(config);
  ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  operator_token_ = token("operator", "op");

  // An urgent action by the file channels: sent within seconds.
  auto by_file = action(circle(centre(), 1000));
  by_file["channels"] = {"voice", "twitter"};
  const std::string sent = raise_action(client(), by_file);
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE action_id = '" + sent +
                                    "' AND status = 'sent'",
                                "4", 20s))  // 3 voice, 1 twitter
      << database.scalar("SELECT string_agg(channel || ':' || status, ', ') FROM deliveries WHERE action_id = '" +
                         sent + "'");
  // An urgent action whose only channel's provider answers 503: its breaker opens, nothing goes.
  auto unsendable = action(circle(centre(), 1000));
  unsendable["channels"] = {"hook"};
  const std::string stuck = raise_action(client(), unsendable);
  ASSERT_FALSE(stuck.empty());

  auto samples = scrape_until("burgernet_circuit_state{channel=\"hook\"}", [](double v) { return v == 2; });
  EXPECT_GE(failing_.request_count(), 2u);
  EXPECT_GE((samples["burgernet_circuit_transitions_total{channel=\"hook\"}"]), 1);
  EXPECT_EQ(samples.count("burgernet_circuit_state{channel=\"sms\"}"), 1u);
  EXPECT_EQ(samples["burgernet_circuit_state{channel=\"sms\"}"], 0);
  EXPECT_EQ(samples.count("burgernet_circuit_state{channel=\"voice\"}"), 0u) << "the file driver has no breaker";

  // As if the stuck action had been raised two minutes ago: past the minute urgent actions promise.
  EXPECT_EQ(samples["burgernet_urgent_actions_unsent"], 0);
  database.scalar("UPDATE actions SET created_at = created_at - interval '2 minutes', send_at = send_at - "
                  "interval '2 minutes' WHERE id = '" + stuck + "' RETURNING 1");
  samples = scrape_until("burgernet_urgent_actions_unsent", [](double v) { return v == 1; });

  // The paced backlog waits, due for ten minutes; nothing of the file channels waits.
  EXPECT_GE(samples["burgernet_queue_oldest_due_seconds{channel=\"sms\"}"], 590);
  EXPECT_LT(samples["burgernet_queue_oldest_due_seconds{channel=\"sms\"}"], 700);
  EXPECT_EQ(samples.count("burgernet_queue_oldest_due_seconds{channel=\"voice\"}"), 1u);
  EXPECT_EQ(samples["burgernet_queue_oldest_due_seconds{channel=\"voice\"}"], 0);
  EXPECT_GT((samples["burgernet_deliveries{channel=\"sms\",status=\"queued\"}"]), 100);
  EXPECT_EQ(samples.count("burgernet_fanout_lag_seconds"), 1u);
  EXPECT_EQ(samples["burgernet_fanout_lag_seconds"], 0);

  // The sent action's first and last sends, within the minute; the stuck one has none.
  EXPECT_EQ(samples["burgernet_action_first_send_seconds_count"], 1);
  EXPECT_EQ(samples["burgernet_action_first_send_seconds_bucket{le=\"60\"}"], 1);
  EXPECT_GE(samples["burgernet_action_last_send_seconds_count"], 1);
  EXPECT_EQ(samples["burgernet_action_last_send_seconds_bucket{le=\"60\"}"],
            samples["burgernet_action_last_send_seconds_count"]);
  EXPECT_EQ(samples.count("burgernet_action_first_send_seconds_bucket{le=\"0.1\"}"), 1u);
  EXPECT_EQ(samples.count("burgernet_action_first_send_seconds_bucket{le=\"3600\"}"), 1u);

  // Every unit of work waited for a connection, none gave up.
  EXPECT_GT((samples["burgernet_db_pool_wait_seconds_count{pool=\"worker\"}"]), 0);
  EXPECT_GT((samples["burgernet_db_pool_wait_seconds_count{pool=\"api\"}"]), 0);
  EXPECT_EQ(samples.count("burgernet_db_pool_timeouts_total{pool=\"api\"}"), 1u);
  EXPECT_EQ((samples["burgernet_db_pool_timeouts_total{pool=\"api\"}"]), 0);
  EXPECT_GE((samples["burgernet_db_pool_connections{pool=\"worker\"}"]), 1);
  EXPECT_EQ(samples.count("burgernet_db_pool_pending{pool=\"api\"}"), 1u);

  // One daemon, nothing taken over, every outcome written at the first try.
  EXPECT_EQ(samples.count("burgernet_deliveries_lease_lost_total{channel=\"voice\"}"), 1u);
  EXPECT_EQ((samples["burgernet_deliveries_lease_lost_total{channel=\"voice\"}"]), 0);
  EXPECT_EQ(samples.count("burgernet_delivery_outcome_write_failures_total"), 1u);
  EXPECT_EQ(samples["burgernet_delivery_outcome_write_failures_total"], 0);

  EXPECT_EQ(samples["burgernet_ready"], 1);
  const std::regex build_info(R"re(burgernet_build_info\{commit="([0-9a-f]{12}|unknown)",compiler="GNU [0-9.]+",)re"
                              R"re(version="[0-9]+\.[0-9]+\.[0-9]+"\} 1)re");
  EXPECT_TRUE(std::regex_search(last_scrape_, build_info)) << last_scrape_;

  // promtool is installed by scripts/setup; without it this test fails rather than skips.
  const std::string path = make_temp_dir("metrics-scrape-") + "/scrape.txt";
  std::ofstream(path) << last_scrape_;
  std::string lint;
  EXPECT_EQ(run_shell("promtool check metrics < " + path, lint), 0) << lint;
  EXPECT_EQ(lint, "") << lint;

  // No phone number, token or address in what the daemon logged.
  EXPECT_EQ(daemon_->log().find("+3161"), std::string::npos);
}

}  // namespace
