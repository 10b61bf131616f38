// Issue 12, item 3: the primary stops mid-send and its standby is promoted. The daemon, whose
// database.url names both hosts with target_session_attrs=read-write, follows within seconds and
// loses nothing that was committed before the stop.
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <sstream>

#include "reliability/replica_pair.hpp"
#include "reliability/sending_run.hpp"

namespace burgernet::testing::reliability {
namespace {

const std::string kCallbackUrl = "https://burgernet.example/v1/callbacks/twilio";

// The delivery a request was for, from its StatusCallback (…?delivery=ID).
std::string delivery_of(const RecordedRequest& r) {
  const auto callback = form(r)["StatusCallback"];
  const auto at = callback.find("delivery=");
  if (at == std::string::npos) return "";
  const auto from = at + 9;
  return callback.substr(from, callback.find('&', from) - from);
}

std::set<std::string> split(const std::string& csv) {
  std::set<std::string> out;
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.insert(item);
  }
  return out;
}

TEST(Failover, TheDaemonFollowsAPromotedStandbyAndLosesNothingCommitted) {
  const int n = soak() ? 20000 : 5000;
  ReplicaPair pair;
  migrate(pair.primary_url());
  add_sms_participants(pair.primary_url(), n);
  FakeTwilio twilio;
  twilio.provider.latency(200ms, 500ms);
  // The status callback URL names the delivery in every request.
  SendingDaemon daemon(pair.url(), twilio, /*concurrency=*/50, nlohmann::json::object(), {{"poll_ms", 200}},
                       {{"status_callback_url", kCallbackUrl}});
  const auto raised = Clock::now();
  daemon.raise();
  HealthWatch health(daemon.process->port());
  ASSERT_TRUE(twilio.provider.wait_for_requests(static_cast<std::size_t>(n) / 3, 120s));
  ASSERT_TRUE(wait_for(pair.primary_url(), "SELECT count(*) FROM deliveries", std::to_string(n), 30s))
      << "the fan-out has not written every row";

  pair.stop_primary();
  const auto stopped = Clock::now();
  // What was committed before the stop, read on the standby before it is promoted (hot standby,
  // synchronous: it has every commit the daemon saw): every row, those sent, those not claimed.
  const auto rows_with = [&](const std::string& where) {
    return split(scalar(pair.standby_url(), "SELECT string_agg(id::text, ',') FROM deliveries WHERE " + where));
  };
  const auto all_rows = rows_with("true");
  const auto sent_before = rows_with("status = 'sent'");
  const auto queued_before = rows_with("status = 'queued'");
  const int in_flight = static_cast<int>(rows_with("status = 'sending'").size());
  std::cout << "primary stopped after " << seconds_since(raised) << " s: " << sent_before.size() << " sent, "
            << in_flight << " in flight, " << queued_before.size() << " queued (as the standby has them)\n";
  EXPECT_EQ(all_rows.size(), static_cast<std::size_t>(n));
  pair.promote_standby();
  const auto promoted = Clock::now();
  std::cout << "standby promoted " << seconds_since(stopped) << " s after the stop\n";

  // The first request for a row that was still queued at the stop: claimed on the new primary.
  std::optional<double> to_next_message;
  for (const auto deadline = promoted + 60s; !to_next_message && Clock::now() < deadline;) {
    for (const auto& r : twilio.provider.requests()) {
      if (r.at > promoted && queued_before.contains(delivery_of(r))) {
        const double s = std::chrono::duration<double>(r.at - promoted).count();
        if (!to_next_message || s < *to_next_message) to_next_message = s;
      }
    }
    if (!to_next_message) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(to_next_message) << "nothing was claimed from the promoted standby\n" << daemon.process->log();
  std::cout << "the daemon followed the failover: " << *to_next_message
            << " s from the promotion to the next message claimed on the new primary\n";
  RecordProperty("seconds_to_follow_failover_ms", static_cast<int>(*to_next_message * 1000));
  EXPECT_LT(*to_next_message, 15.0);
  EXPECT_TRUE(daemon.process->wait_ready(15s));

  // Nothing committed was lost: every row is there, every one gets sent, the sent stay sent.
  EXPECT_TRUE(wait_for(pair.standby_url(), "SELECT count(*) FROM deliveries WHERE status = 'sent'", std::to_string(n),
                       240s))
      << scalar(pair.standby_url(), "SELECT string_agg(status || ':' || n, ', ') FROM (SELECT status, count(*) n "
                                    "FROM deliveries GROUP BY status) s");
  EXPECT_EQ(split(scalar(pair.standby_url(), "SELECT string_agg(id::text, ',') FROM deliveries")), all_rows);
  const auto sent_after = split(
      scalar(pair.standby_url(), "SELECT string_agg(id::text, ',') FROM deliveries WHERE status = 'sent'"));
  for (const auto& id : sent_before) EXPECT_TRUE(sent_after.contains(id)) << id << " was sent before the failover";
  std::this_thread::sleep_for(2s);
  const auto t = tally(twilio.provider.requests());
  std::cout << "failover: " << t.describe() << "; " << in_flight << " were in flight at the stop\n";
  EXPECT_EQ(t.recipients, static_cast<std::size_t>(n)) << t.describe();
  EXPECT_TRUE(t.unexpected.empty()) << t.describe();
  EXPECT_LE(t.repeats, static_cast<std::size_t>(in_flight)) << t.describe();
  EXPECT_EQ(t.repeats_with_the_first_key, t.repeats) << t.describe();
  // The LISTEN connection followed too (it is on the new primary).
  EXPECT_EQ(scalar(pair.standby_url(), "SELECT count(*) > 0 FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'"), "t");
  health.stop();
  EXPECT_EQ(health.failed(), 0);
  std::cout << "whole send " << seconds_since(raised) << " s; /healthz slowest " << health.slowest_ms() << " ms\n";
}

}  // namespace
}  // namespace burgernet::testing::reliability
