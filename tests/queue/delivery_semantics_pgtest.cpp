// Once, and every closing (issue 10): the real daemon, the real database and a fake Twilio over
// TLS that answers as slowly as the real one, fails, or is cut off from its database. Each test
// counts what reached the provider against who should have been reached.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "action/population.hpp"
#include "burgernet/net/encoding.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "db/pg_proxy.hpp"
#include "support/fake_provider.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "twilio-auth-token-semantics";
const std::string kCallbackUrl = "https://burgernet.example/v1/callbacks/twilio";
constexpr Place kUtrecht{52.0907, 5.1214};

std::map<std::string, std::string> form(const RecordedRequest& r) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : net::form_decode(r.body)) out[k] = v;
  return out;
}

class DeliverySemantics : public ActionDaemonTest {
 protected:
  void SetUp() override {
    std::ofstream(secrets_ + "/twilio") << kToken << "\n";
    provider_.answer_with([this](const RecordedRequest&) {
      return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(++sids_) + "\"}"};
    });
  }

  nlohmann::json twilio_sms(int concurrency) {
    return {{"driver", "twilio_sms"},          {"base_url", provider_.url()},
            {"account_sid", "AC42"},           {"auth_token_file", secrets_ + "/twilio"},
            {"from", "+3197010000000"},        {"status_callback_url", kCallbackUrl},
            {"ca_file", provider_.ca_file()},  {"concurrency", concurrency}};
  }
  // A daemon whose only channel is SMS through the fake Twilio; `queue` keys as given (the
  // defaults otherwise), and the database URL may be a proxy's.
  void start_sms(int concurrency, nlohmann::json queue = nlohmann::json::object(),
                 std::optional<std::string> database_url = std::nullopt,
                 nlohmann::json database_keys = nlohmann::json::object()) {
    auto config = daemon_config(database_url.value_or(database.url()), outbox_);
    config["channels"] = {{"sms", twilio_sms(concurrency)}};
    if (!queue.empty()) config["queue"] = queue;
    for (auto& [key, value] : database_keys.items()) config["database"][key] = value;
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
  }
  // `n` SMS participants within a few hundred metres of `at`; returns their phone numbers.
  std::set<std::string> people(Place at, int n) {
    std::set<std::string> phones;
    for (int i = 0; i < n; ++i) {
      const auto id = add_participant(database, {{offset(at, 10.0 * (i % 30), 10.0 * (i / 30)), "{sms}"}});
      phones.insert(test_keys().open(database.scalar("SELECT phone_sealed FROM participants WHERE id = '" + id + "'"),
                                     "phone"));
    }
    return phones;
  }
  // Personal channels only (the file-channel daemons also have a broadcast one).
  std::string raise_at(Place at, nlohmann::json channels = nlohmann::json::array({"sms"})) {
    auto body = action(circle(at, 1000));
    body["channels"] = std::move(channels);
    return raise_action(client(), body);
  }
  bool all_final(std::chrono::seconds timeout) {
    return database.wait_for("SELECT count(*) FROM deliveries WHERE status IN ('queued', 'sending')", "0", timeout);
  }
  std::string statuses() {
    return database.scalar("SELECT string_agg(kind || ':' || status || ':' || attempt || ':' || "
                           "coalesce(last_error, ''), ', ' ORDER BY id) FROM deliveries");
  }
  std::string metric(const std::string& series) {
    const auto body = HttpClient(daemon_->port()).get("/metrics").body;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
    }
    return "";
  }

  std::string secrets_ = make_temp_dir("semantics-secrets-");
  std::atomic<int> sids_{0};
  FakeProvider provider_;
};

// Point 1 and 2: Twilio's real latency, one request in flight, the default batch; the lease as
// given. Before: a batch of 200 claimed at once outlived a short lease and was sent again and
// again (591 messages for 120 people), and a second action waited behind the whole batch.
class SlowProvider : public DeliverySemantics, public ::testing::WithParamInterface<int> {};

TEST_P(SlowProvider, OneRequestPerRecipientWithItsKeyAndANewActionStartsAtOnce) {
  provider_.latency(380ms, 420ms);
  const auto amsterdam = people(centre(), 45);
  const auto utrecht = people(kUtrecht, 5);
  nlohmann::json queue = nlohmann::json::object();
  if (GetParam() != 60) queue["lease_s"] = GetParam();
  start_sms(/*concurrency=*/1, queue);

  raise_at(centre());
  ASSERT_TRUE(provider_.wait_for_requests(5, 20s));
  const auto second_raised = std::chrono::steady_clock::now();
  raise_at(kUtrecht);
  std::optional<std::chrono::steady_clock::duration> to_first;
  for (auto deadline = second_raised + 30s; !to_first && std::chrono::steady_clock::now() < deadline;) {
    for (const auto& r : provider_.requests()) {
      if (utrecht.contains(form(r).at("To"))) to_first = r.at - second_raised;
    }
    if (!to_first) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(to_first) << "the second action's first message never reached the provider";
  const auto to_first_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*to_first).count();
  RecordProperty("second_action_first_message_ms", static_cast<int>(to_first_ms));
  EXPECT_LT(to_first_ms, 2000) << "the first action still had " << database.scalar(
      "SELECT count(*) FROM deliveries WHERE status = 'queued'") << " rows queued";

  ASSERT_TRUE(all_final(90s)) << statuses();
  std::this_thread::sleep_for(1500ms);  // a repeat would come now
  const auto requests = provider_.requests();
  std::map<std::string, int> per_phone;
  std::set<std::string> keys;
  for (const auto& r : requests) {
    ++per_phone[form(r).at("To")];
    const auto key = r.headers.find("i-twilio-idempotency-token");
    ASSERT_NE(key, r.headers.end()) << "a request without its idempotency key";
    keys.insert(key->second);
  }
  RecordProperty("requests", static_cast<int>(requests.size()));
  EXPECT_EQ(requests.size(), amsterdam.size() + utrecht.size()) << statuses();
  EXPECT_EQ(per_phone.size(), amsterdam.size() + utrecht.size());
  for (const auto& [phone, n] : per_phone) EXPECT_EQ(n, 1) << "a recipient got " << n << " messages";
  EXPECT_EQ(keys.size(), requests.size()) << "every delivery has its own key";
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sent'"), "50") << statuses();
}

INSTANTIATE_TEST_SUITE_P(DefaultAndShortLease, SlowProvider, ::testing::Values(60, 5));

// Point 4: a close while messages are in flight. Before: "closing to 0 recipients".
TEST_F(DeliverySemantics, AClosingReachesEveryoneSentTheActionInFlightToo) {
  provider_.latency(1200ms, 1500ms);
  people(centre(), 40);
  start_sms(/*concurrency=*/3);
  const auto id = raise_at(centre());
  ASSERT_TRUE(provider_.wait_for_requests(3, 20s));
  const auto closed = client().post("/v1/actions/" + id + "/close",
                                    {{"outcome", "resolved"}, {"message", "De man is aangehouden. Dank!"}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_GE(closed.json().at("closing_recipients").get<int>(), 3) << "the rows in flight count";

  ASSERT_TRUE(all_final(60s)) << statuses();
  std::this_thread::sleep_for(1000ms);
  std::multiset<std::string> told, closing;
  for (const auto& r : provider_.requests()) {
    const auto f = form(r);
    (f.at("Body").find("aangehouden") != std::string::npos ? closing : told).insert(f.at("To"));
  }
  EXPECT_GE(told.size(), 3u);
  EXPECT_LT(told.size(), 40u) << "what was still queued at the close is cancelled";
  EXPECT_EQ(closing, told) << "exactly those who were sent the action, once each";
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE kind = 'action' AND status = 'cancelled'"),
            std::to_string(40 - told.size()));
}

// Point 4: a closing has its own validity. Before: marked expired with its action.
TEST_F(DeliverySemantics, AClosingAfterTheActionExpiredIsSent) {
  for (int i = 0; i < 3; ++i) add_participant(database, {{offset(centre(), 50.0 * i, 0), "{sms}"}});
  start({}, /*dispatch=*/true);
  const auto id = raise_at(centre());
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "3", 20s)) << statuses();
  database.scalar("UPDATE actions SET expires_at = now() - interval '1 second', status = 'expired' RETURNING 1");
  database.scalar("UPDATE deliveries SET expires_at = now() - interval '1 second' RETURNING 1");
  const auto closed = client().post("/v1/actions/" + id + "/close", {{"outcome", "unresolved"}, {"message", "Einde."}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE kind = 'closing' AND status = 'sent'", "3", 20s))
      << statuses();
}

// Point 4 and 5: an update reaches those who were sent the action by the channels they were
// sent it by, and calls nobody inside their quiet hours. Before: a failed SMS got its update,
// and the update rang a participant whose quiet hours had begun.
TEST_F(DeliverySemantics, AnUpdateFollowsTheFirstMessagesRules) {
  const auto quiet = add_participant(database, {{centre(), "{voice,sms}"}});
  const auto failed = add_participant(database, {{offset(centre(), 100, 0), "{voice,sms}"}});
  start({}, /*dispatch=*/true);
  const auto id = raise_at(centre(), nlohmann::json::array({"voice", "sms"}));
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "4", 20s)) << statuses();
  // Quiet hours that have begun since; and one SMS that, as it turned out, failed.
  database.scalar("UPDATE participant_addresses SET quiet_from = '" + local_hhmm(database, -60) + "', quiet_to = '" +
                  local_hhmm(database, 60) + "' WHERE participant_id = '" + quiet + "' RETURNING 1");
  database.scalar("UPDATE deliveries SET status = 'failed' WHERE channel = 'sms' AND participant_id = '" + failed +
                  "' RETURNING 1");
  const auto update = client().post("/v1/actions/" + id + "/updates", {{"message", "Hij draagt nu een pet."}});
  ASSERT_EQ(update.status, 201) << update.body;
  ASSERT_TRUE(all_final(20s)) << statuses();
  EXPECT_EQ(database.scalar("SELECT string_agg(what, ',' ORDER BY what) FROM (SELECT CASE participant_id WHEN '" +
                            quiet + "' THEN 'quiet' ELSE 'failed' END || ':' || channel || ':' || status AS what "
                            "FROM deliveries WHERE kind = 'update') u"),
            "failed:voice:sent,quiet:sms:sent");
}

// Point 4: an update or closing waits for its action message, and is cancelled if that fails.
TEST_F(DeliverySemantics, AnUpdateWaitsForItsActionMessageAndGoesOnlyIfThatWasSent) {
  for (int i = 0; i < 2; ++i) add_participant(database, {{offset(centre(), 50.0 * i, 0), "{sms}"}});
  start();  // nothing dispatches: the test claims and completes by hand
  const auto id = raise_at(centre());
  ASSERT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Pet."}}).status, 201);
  db::Connection w(database.url());
  const auto claim = [&](const std::string& owner) {
    const auto r = w.exec(sql::query("DeliveriesClaim"), db::Params("sms", 10, owner, 60));
    std::map<std::string, std::pair<std::string, std::string>> out;  // id -> (kind, skip)
    for (int i = 0; i < r.rows(); ++i) {
      out[r.string(i, r.column("id"))] = {r.string(i, r.column("kind")), r.string(i, r.column("skip"))};
    }
    return out;
  };
  const auto first = claim("w1");
  ASSERT_EQ(first.size(), 4u);
  // The action messages end one sent, one failed; the updates go back to wait.
  std::vector<std::string> ids, owners, outcomes;
  bool one_sent = false;
  for (const auto& [row, what] : first) {
    ids.push_back(row);
    owners.push_back("w1");
    if (what.first == "update") {
      EXPECT_EQ(what.second, "wait") << "its action message is being sent";
      outcomes.push_back("wait");
    } else {
      outcomes.push_back(one_sent ? "failed" : "sent");
      one_sent = true;
    }
  }
  w.exec(sql::query("DeliveriesComplete"),
         db::Params(ids, owners, outcomes, std::vector<std::string>(4, ""), std::vector<std::string>(4, "0")));
  database.scalar("UPDATE deliveries SET run_after = now() RETURNING 1");
  const auto second = claim("w2");
  std::multiset<std::string> skips;
  for (const auto& [row, what] : second) skips.insert(what.second);
  EXPECT_EQ(skips, (std::multiset<std::string>{"", "cancelled"})) << "sent after its sent action message only";
}

// Point 3: the database vanishes while a batch is at the provider, longer than the lease.
// Before: the outcome was dropped ("the rescuer will return them") and everything sent again.
TEST_F(DeliverySemantics, OutcomesOutliveADatabaseOutageAndNothingIsSentTwice) {
  PgProxy proxy(database.url());
  provider_.latency(2000ms, 2000ms);
  people(centre(), 6);
  start_sms(/*concurrency=*/6, {{"lease_s", 5}, {"poll_ms", 200}}, proxy.url());
  raise_at(centre());
  ASSERT_TRUE(provider_.wait_for_requests(6, 20s));
  proxy.down(true);
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(HttpClient(daemon_->port()).get("/readyz").status, 503) << "the outage shows";
  std::this_thread::sleep_for(7000ms);  // longer than the lease
  proxy.down(false);
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "6", 30s)) << statuses();
  std::this_thread::sleep_for(3000ms);  // a rescue and a repeat would come now
  EXPECT_EQ(provider_.request_count(), 6u) << statuses();
  EXPECT_NE(daemon_->log().find("delivery outcomes written again after"), std::string::npos) << daemon_->log();
}

// Point 3: statistics never roll back a completion. Before: a lock on the action's
// action_sends row (a fan-out, a slow statistics query) failed the whole completion.
TEST_F(DeliverySemantics, ALockedStatisticsRowDoesNotHoldBackTheOutcomes) {
  add_participant(database, {{centre(), "{sms}"}});
  auto config = daemon_config(database.url(), outbox_);
  config["database"]["statement_timeout_ms"] = 1000;
  config["queue"] = {{"poll_ms", 100}};
  daemon_ = std::make_unique<DaemonProcess>(config);
  ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  operator_token_ = token("operator", "op");
  const auto id = raise_at(centre());
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "1", 20s)) << statuses();
  db::Connection locker(database.url());
  locker.exec_script("begin", "BEGIN");
  locker.exec_script("lock", "SELECT 1 FROM action_sends WHERE action_id = '" + id + "' FOR UPDATE");
  ASSERT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Pet."}}).status, 201);
  EXPECT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE kind = 'update' AND status = 'sent'", "1", 8s))
      << statuses();
  locker.exec_script("rollback", "ROLLBACK");
}

// Point 1: a worker that no longer holds a row does not send it, and a completion that finds its
// row taken is counted. The "other worker" is the test, taking the rows over by hand.
TEST_F(DeliverySemantics, RowsTakenOverByAnotherWorkerAreNotSentAndAreCounted) {
  provider_.latency(3000ms, 3000ms);
  people(centre(), 3);
  start_sms(/*concurrency=*/1, {{"lease_s", 5}, {"poll_ms", 200}});
  raise_at(centre());
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s));
  ASSERT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sending'"), "3")
      << "one claim of three: the first at the provider, two waiting their turn";
  database.scalar("UPDATE deliveries SET lease_owner = 'another-worker' WHERE status = 'sending' RETURNING 1");
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (metric("burgernet_deliveries_lease_lost_total{channel=\"sms\"}") != "3" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(metric("burgernet_deliveries_lease_lost_total{channel=\"sms\"}"), "3") << daemon_->log();
  EXPECT_EQ(provider_.request_count(), 1u) << "the two taken before they were offered stay unsent here";
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'sending' AND lease_owner = "
                            "'another-worker'"),
            "3")
      << "nothing overwrote the other worker's rows";
}

// Point 10: Twilio's status callback may come before our completion wrote the provider's sid.
TEST_F(DeliverySemantics, AReceiptThatComesBeforeTheCompletionIsKept) {
  provider_.latency(2000ms, 2000ms);
  people(centre(), 1);
  start_sms(/*concurrency=*/1);
  raise_at(centre());
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s));
  const auto callback_url = form(provider_.requests().at(0)).at("StatusCallback");
  ASSERT_TRUE(callback_url.starts_with(kCallbackUrl + "?delivery=")) << callback_url;
  const std::vector<std::pair<std::string, std::string>> delivered = {
      {"AccountSid", "AC42"}, {"MessageSid", "SM1"}, {"MessageStatus", "delivered"}};
  HttpClient callbacks(daemon_->port());
  const auto answer = callbacks.request(
      boost::beast::http::verb::post, "/v1/callbacks/twilio" + callback_url.substr(kCallbackUrl.size()),
      net::form_encode(delivered),
      {{"Content-Type", "application/x-www-form-urlencoded"},
       {"X-Twilio-Signature", channel::twilio_signature(kToken, callback_url, delivered)}});
  EXPECT_EQ(answer.status, 204) << answer.body;
  EXPECT_EQ(database.scalar("SELECT status FROM deliveries"), "sending") << "the provider has not answered yet";
  EXPECT_TRUE(database.wait_for("SELECT status || ':' || provider_ref FROM deliveries", "delivered:SM1", 20s))
      << statuses();
}

}  // namespace
