// Issue 12, item 4: the network between the daemon and its database, or its provider, turns
// into a black hole mid-send (nothing arrives, nothing closes). The daemon notices within its
// configured timeouts, keeps answering, and once the network is back sends everything, once.
#include <gtest/gtest.h>

#include <future>
#include <iostream>

#include "reliability/blackhole_proxy.hpp"
#include "reliability/sending_run.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing::reliability {
namespace {

// Small timeouts, so that a black hole shows within seconds.
const nlohmann::json kDatabaseKeys = {{"tcp_user_timeout_ms", 2000},
                                      {"keepalives_idle_s", 1},
                                      {"keepalives_interval_s", 1},
                                      {"keepalives_count", 2},
                                      {"statement_timeout_ms", 2000}};
const nlohmann::json kQueue = {{"poll_ms", 200}, {"retry_base_ms", 500}, {"retry_max_ms", 2000}};
const nlohmann::json kChannel = {{"timeout_ms", 2000}, {"circuit_open_ms", 2000}};

// An HTTP request that may hang: its answer, or nullopt if none came within `timeout`. (A hung
// request is left to finish on its own thread.)
std::optional<HttpResult> timed(std::uint16_t port, const std::string& token, const std::string& target,
                                std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<HttpResult>>();
  auto answer = promise->get_future();
  std::thread([promise, port, token, target] {
    try {
      promise->set_value(HttpClient(port, token).get(target));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  }).detach();
  if (answer.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  try {
    return answer.get();
  } catch (...) {
    return std::nullopt;
  }
}

class Blackhole : public DatabaseTest {
 protected:
  void SetUp() override { twilio_.provider.latency(100ms, 200ms); }
  void TearDown() override {
    if (HasFailure() && daemon_) {
      const auto log = daemon_->process->log();
      std::cerr << "--- daemon log (tail) ---\n" << (log.size() > 20000 ? log.substr(log.size() - 20000) : log) << "---\n";
    }
  }
  std::string count(const std::string& where) {
    return database.scalar("SELECT count(*) FROM deliveries WHERE " + where);
  }
  void expect_everything_sent_once(int n, int in_flight) {
    EXPECT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", std::to_string(n), 180s))
        << count("status = 'sent'") << " sent, " << count("status = 'queued'") << " queued, "
        << count("status = 'sending'") << " sending, " << count("status = 'failed'") << " failed: "
        << database.scalar("SELECT string_agg(DISTINCT last_error, '; ') FROM deliveries WHERE status = 'failed'");
    std::this_thread::sleep_for(2s);
    const auto t = tally(twilio_.provider.requests());
    std::cout << "after the black hole: " << t.describe() << "; " << in_flight << " were in flight\n";
    EXPECT_EQ(t.recipients, static_cast<std::size_t>(n)) << t.describe();
    EXPECT_LE(t.repeats, static_cast<std::size_t>(in_flight)) << t.describe();
    EXPECT_EQ(t.repeats_with_the_first_key, t.repeats) << t.describe();
  }

  FakeTwilio twilio_;
  std::unique_ptr<SendingDaemon> daemon_;
};

// The database goes silent for 10 s (30 s with BURGERNET_SOAK=1).
TEST_F(Blackhole, TheDatabaseGoesSilentMidSendAndTheDaemonNoticesAndRecovers) {
  const int n = 3000;
  const auto outage = soak() ? 30s : 10s;
  add_sms_participants(database.url(), n);
  // The proxy in front of the cluster's unix socket (the URL names host=DIR and port=N).
  std::string dir, port;
  {
    const auto& url = database.url();
    const auto host_at = url.find("host=") + 5;
    dir = url.substr(host_at, url.find('&', host_at) - host_at);
    const auto port_at = url.find("port=") + 5;
    port = url.substr(port_at, url.find('&', port_at) - port_at);
  }
  BlackholeProxy proxy = BlackholeProxy::to_unix_socket(dir + "/.s.PGSQL." + port);
  const std::string user = database.scalar("SELECT current_user");
  const std::string proxied = "postgresql://" + user + "@127.0.0.1:" + std::to_string(proxy.port()) + "/" +
                              database.name() + "?sslmode=disable";
  daemon_ = std::make_unique<SendingDaemon>(proxied, twilio_, /*concurrency=*/20, kDatabaseKeys, kQueue, kChannel);
  const auto port_of_daemon = daemon_->process->port();
  daemon_->raise();
  HealthWatch health(port_of_daemon);
  ASSERT_TRUE(twilio_.provider.wait_for_requests(n / 4, 60s));
  const int in_flight = std::stoi(count("status = 'sending'"));

  proxy.black_hole(true);
  const auto silent = Clock::now();
  // Noticed: /readyz says so, and the API answers 503, within the timeouts (2 s) and a margin.
  std::optional<double> noticed;
  while (!noticed && Clock::now() - silent < 30s) {
    const auto ready = timed(port_of_daemon, "", "/readyz", 15s);
    if (ready && ready->status == 503) {
      noticed = seconds_since(silent);
      EXPECT_EQ(ready->error_code(), "database_unavailable") << ready->body;
    } else {
      std::this_thread::sleep_for(200ms);
    }
  }
  ASSERT_TRUE(noticed) << "/readyz never said the database is gone";
  std::cout << "database black hole noticed by /readyz after " << *noticed << " s\n";
  RecordProperty("database_black_hole_noticed_ms", static_cast<int>(*noticed * 1000));
  EXPECT_LT(*noticed, 10.0);
  const auto started = Clock::now();
  const auto list = timed(port_of_daemon, daemon_->token, "/v1/actions", 15s);
  ASSERT_TRUE(list) << "GET /v1/actions hung";
  std::cout << "GET /v1/actions during the black hole: " << list->status << " after " << seconds_since(started)
            << " s\n";
  EXPECT_EQ(list->status, 503) << list->body;

  std::this_thread::sleep_for(outage - (Clock::now() - silent));
  proxy.black_hole(false);
  const auto back = Clock::now();
  EXPECT_TRUE(daemon_->process->wait_ready(30s));
  std::cout << "ready again " << seconds_since(back) << " s after the network came back\n";
  expect_everything_sent_once(n, in_flight);
  health.expect_always_answered();
}

// The provider goes silent for 8 s: requests time out (timeout_ms), the messages wait and go
// once the provider is heard again.
TEST_F(Blackhole, TheProviderGoesSilentMidSendAndTheMessagesWaitAndGo) {
  const int n = 3000;
  const auto outage = soak() ? 30s : 8s;
  add_sms_participants(database.url(), n);
  BlackholeProxy proxy = BlackholeProxy::to_tcp_port(twilio_.provider.port());
  auto channel = kChannel;
  channel["base_url"] = "https://127.0.0.1:" + std::to_string(proxy.port());
  daemon_ = std::make_unique<SendingDaemon>(database.url(), twilio_, /*concurrency=*/20, kDatabaseKeys, kQueue,
                                            channel);
  const auto port_of_daemon = daemon_->process->port();
  daemon_->raise();
  HealthWatch health(port_of_daemon);
  ASSERT_TRUE(twilio_.provider.wait_for_requests(n / 4, 60s));

  proxy.black_hole(true);
  const auto silent = Clock::now();
  const int in_flight = std::stoi(count("status = 'sending'"));
  // Noticed: the first request that timed out puts its delivery back with the reason.
  const bool noticed = database.wait_for("SELECT count(*) > 0 FROM deliveries WHERE last_error IS NOT NULL", "t", 30s);
  const double noticed_s = seconds_since(silent);
  ASSERT_TRUE(noticed) << "no request timed out";
  std::cout << "provider black hole noticed after " << noticed_s << " s (timeout_ms 2000): "
            << database.scalar("SELECT last_error FROM deliveries WHERE last_error IS NOT NULL LIMIT 1") << "\n";
  RecordProperty("provider_black_hole_noticed_ms", static_cast<int>(noticed_s * 1000));
  EXPECT_LT(noticed_s, 8.0);
  const auto list = timed(port_of_daemon, daemon_->token, "/v1/actions", 5s);
  ASSERT_TRUE(list) << "GET /v1/actions hung";
  EXPECT_EQ(list->status, 200) << "the database is fine: " << list->body;

  std::this_thread::sleep_for(outage - (Clock::now() - silent));
  const auto before = twilio_.provider.request_count();
  proxy.black_hole(false);
  const auto back = Clock::now();
  EXPECT_TRUE(twilio_.provider.wait_for_requests(before + 1, 30s));
  std::cout << "sending again " << seconds_since(back) << " s after the provider was heard again\n";
  expect_everything_sent_once(n, in_flight);
  health.expect_always_answered();
}

}  // namespace
}  // namespace burgernet::testing::reliability
