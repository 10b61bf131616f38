// Issue 12, item 2: the database goes away in the middle of a large send (the server stopped,
// or every daemon connection killed), and comes back. The daemon keeps answering, says why it
// is not ready, and afterwards everything is sent, a repeat only for what was in flight and
// only with the first request's idempotency key.
#include <gtest/gtest.h>

#include <iostream>

#include "reliability/sending_run.hpp"
#include "support/private_cluster.hpp"

namespace burgernet::testing::reliability {
namespace {

// Twilio's real latency; 100 workers send about 20,000 messages in a minute and a bit.
constexpr int kConcurrency = 100;

class DatabaseOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    migrate(cluster_.url());
    twilio_.provider.latency(200ms, 500ms);
  }
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log (tail) ---\n" << tail(daemon_->process->log()) << "---\n";
  }
  static std::string tail(const std::string& log) { return log.size() > 20000 ? log.substr(log.size() - 20000) : log; }
  std::string count(const std::string& where) {
    return scalar(cluster_.url(), "SELECT count(*) FROM deliveries WHERE " + where);
  }
  // Waits until `n` requests reached the provider; then the send is well under way.
  void wait_until_under_way(std::size_t n) {
    ASSERT_TRUE(twilio_.provider.wait_for_requests(n, 120s))
        << twilio_.provider.request_count() << " requests; " << count("status = 'queued'") << " queued";
  }
  // After the database is back: everything sent, each recipient reached, and repeats only for
  // what the daemon had in flight, each with the first request's key.
  void expect_everything_sent_once(int n, int in_flight, const char* what) {
    EXPECT_TRUE(wait_for(cluster_.url(), "SELECT count(*) FROM deliveries WHERE status = 'sent'", std::to_string(n),
                         soak() ? 600s : 240s))
        << count("status = 'sent'") << " sent, " << count("status = 'queued'") << " queued, "
        << count("status = 'sending'") << " sending, " << count("status = 'failed'") << " failed";
    std::this_thread::sleep_for(2s);  // a late repeat would come now
    const auto t = tally(twilio_.provider.requests());
    std::cout << what << ": " << t.describe() << "; " << in_flight << " were in flight at the outage\n";
    RecordProperty("requests", static_cast<int>(t.requests));
    RecordProperty("repeats", static_cast<int>(t.repeats));
    EXPECT_EQ(t.recipients, static_cast<std::size_t>(n)) << t.describe();
    EXPECT_EQ(t.requests_without_key, 0u);
    EXPECT_LE(t.repeats, static_cast<std::size_t>(in_flight)) << t.describe();
    EXPECT_EQ(t.repeats_with_the_first_key, t.repeats) << "a repeat with a new key is a second SMS: " << t.describe();
  }

  PrivateCluster cluster_;
  // `n` participants, a daemon sending to them, and the action raised; returns when it was.
  Clock::time_point start_sending(int n) {
    add_sms_participants(cluster_.url(), n);
    daemon_ = std::make_unique<SendingDaemon>(cluster_.url(), twilio_, kConcurrency, nlohmann::json::object(),
                                              nlohmann::json{{"poll_ms", 200}});
    const auto raised = Clock::now();
    daemon_->raise();
    return raised;
  }

  FakeTwilio twilio_;
  std::unique_ptr<SendingDaemon> daemon_;
};

// The server stops for 30 s (issue 12) while 20,000 messages go out: past the lease keeper's
// beats, the pool's reconnect backoff and the completer's first retries.
TEST_F(DatabaseOutage, TheServerStopsMidSendAndEverythingIsSentOnceAfterwards) {
  const int n = 20000;
  const auto outage = 30s;
  const auto raised = start_sending(n);
  HealthWatch health(daemon_->process->port());
  wait_until_under_way(n / 4);
  const int in_flight = std::stoi(count("status = 'sending'"));
  const auto before_stop = twilio_.provider.request_count();
  std::cout << "under way after " << seconds_since(raised) << " s: " << before_stop << " sent, " << in_flight
            << " in flight; stopping the server for " << outage.count() << " s\n";

  cluster_.stop();
  const auto stopped = Clock::now();
  // The daemon notices at its next statement; the answers then are quick and say why.
  std::this_thread::sleep_for(1s);
  auto client = daemon_->client();
  auto started = Clock::now();
  const auto list = client.get("/v1/actions");
  const double list_s = seconds_since(started);
  EXPECT_EQ(list.status, 503) << list.body;
  EXPECT_EQ(list.error_code(), "database_unavailable") << list.body;
  EXPECT_FALSE(list.header("retry-after").empty());
  started = Clock::now();
  const auto post = client.post("/v1/actions", {{"kind", "urgent"},
                                                {"category", "burglary"},
                                                {"title", "Inbraak"},
                                                {"message", "Tweede melding."},
                                                {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 500}}}}}});
  const double post_s = seconds_since(started);
  EXPECT_EQ(post.status, 503) << post.body;
  EXPECT_EQ(post.error_code(), "database_unavailable") << post.body;
  const auto ready = HttpClient(daemon_->process->port()).get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.error_code(), "database_unavailable") << ready.body;
  EXPECT_NE(ready.body.find("cannot be reached"), std::string::npos) << "the body says why: " << ready.body;
  EXPECT_LT(list_s, 6.0);
  EXPECT_LT(post_s, 6.0);
  std::cout << "during the outage: GET /v1/actions " << list.status << " in " << list_s << " s, POST " << post.status
            << " in " << post_s << " s, /readyz " << ready.status << " " << ready.body << "\n";

  std::this_thread::sleep_for(outage - (Clock::now() - stopped));
  const auto during_outage = twilio_.provider.request_count() - before_stop;
  cluster_.start();
  const auto restarted = Clock::now();
  EXPECT_TRUE(daemon_->process->wait_ready(30s)) << "never ready again";
  const double ready_after_s = seconds_since(restarted);
  const auto resumed_from = twilio_.provider.request_count();
  EXPECT_TRUE(twilio_.provider.wait_for_requests(resumed_from + 1, 30s)) << "sending never resumed";
  std::cout << "outage " << outage.count() << " s: " << during_outage
            << " requests reached the provider meanwhile (claimed before); ready again " << ready_after_s
            << " s after the restart, sending again " << seconds_since(restarted) << " s after it\n";

  expect_everything_sent_once(n, in_flight, "server stopped");
  std::cout << "whole send " << seconds_since(raised) << " s\n";
  health.expect_always_answered();
  RecordProperty("outage_s", static_cast<int>(outage.count()));
  RecordProperty("healthz_slowest_ms", static_cast<int>(health.slowest_ms()));
}

// Every daemon connection is killed by the server (pg_terminate_backend, as an administrator or
// a pooler might), twice, while 5,000 messages go out.
TEST_F(DatabaseOutage, EveryDaemonConnectionIsTerminatedMidSendAndEverythingIsSentOnce) {
  const int n = soak() ? 20000 : 5000;
  const auto raised = start_sending(n);
  HealthWatch health(daemon_->process->port());
  int in_flight = 0;
  for (int round = 1; round <= 2; ++round) {
    wait_until_under_way(static_cast<std::size_t>(n) * round / 3);
    in_flight += std::stoi(count("status = 'sending'"));
    const auto killed = scalar(cluster_.url(),
                               "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = 'burgernet' AND pid <> pg_backend_pid()) t");
    std::cout << "round " << round << ": terminated " << killed << " daemon connections after "
              << twilio_.provider.request_count() << " requests\n";
    EXPECT_GT(std::stoi(killed), 1) << "the pool, the workers and the LISTEN connection";
    // The daemon reconnects by itself: the API answers again within seconds.
    const auto killed_at = Clock::now();
    bool answered = false;
    while (!answered && Clock::now() - killed_at < 15s) {
      answered = daemon_->client().get("/v1/actions").status == 200;
      if (!answered) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(answered) << "GET /v1/actions never answered 200 again";
    std::cout << "  the API answered 200 again " << seconds_since(killed_at) << " s later\n";
  }
  // And the LISTEN connection came back too: a new row is woken, not found by the poll only.
  EXPECT_TRUE(wait_for(cluster_.url(),
                       "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'burgernet' AND "
                       "query ILIKE 'LISTEN%'",
                       "t", 15s));
  expect_everything_sent_once(n, in_flight, "connections terminated");
  std::cout << "whole send " << seconds_since(raised) << " s\n";
  health.expect_always_answered();
}

}  // namespace
}  // namespace burgernet::testing::reliability
