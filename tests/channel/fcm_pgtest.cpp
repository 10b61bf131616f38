// End to end through the daemon: an action with push reaches the fake FCM over TLS with a
// bearer token from the fake token endpoint; an UNREGISTERED answer fails that delivery and
// disables its device, so the next action does not select it.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "action/population.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

const std::string kAccessToken = "ya29.e2e-access-token";

class FcmEndToEnd : public DatabaseTest {
 protected:
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }
  void start() {
    test_service_account().write(secrets_ + "/service_account.json", provider_.url("/token"));
    auto config = daemon_config(database.url(), outbox_);
    config["channels"]["push"] = {{"driver", "fcm"},
                                  {"base_url", provider_.url()},
                                  {"service_account_file", secrets_ + "/service_account.json"},
                                  {"ca_file", provider_.ca_file()}};
    config["queue"] = {{"poll_ms", 200}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    std::string out, err;
    ASSERT_EQ(run_ctl(daemon_->config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out,
                      &err),
              0)
        << err;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    operator_token_ = out;
  }
  static nlohmann::json burglary() {
    return {{"kind", "urgent"},
            {"category", "burglary"},
            {"title", "Inbraak"},
            {"message", "Man in donkere jas gevlucht richting station."},
            {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}};
  }
  std::string deliveries() {
    return database.scalar(
        "SELECT coalesce(string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', '), '') "
        "FROM deliveries");
  }

  std::string outbox_ = make_temp_dir("fcm-outbox-");
  std::string secrets_ = make_temp_dir("fcm-secrets-");
  FakeProvider provider_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string operator_token_;
};

TEST_F(FcmEndToEnd, PushIsSentAndAnUnregisteredDeviceIsDisabledAndNotSelectedAgain) {
  const auto kept = add_participant(database, {{centre(), "{push}"}}, {DeviceSpec{}});
  const auto gone = add_participant(database, {{offset(centre(), 200, 0), "{push}"}}, {DeviceSpec{}});
  const std::string kept_token = "push-" + kept, gone_token = "push-" + gone;  // population.hpp's tokens
  provider_.serve(
      "/token", FakeAnswer::ok(nlohmann::json{{"access_token", kAccessToken}, {"expires_in", 3599}}.dump()));
  std::atomic<int> names{0};
  provider_.answer_with([&](const RecordedRequest& r) {
    if (r.body.find(gone_token) != std::string::npos) {
      return FakeAnswer{
          404,
          R"({"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",)"
          R"("details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError",)"
          R"("errorCode":"UNREGISTERED"}]}})",
          {}};
    }
    return FakeAnswer::ok(R"({"name":"projects/test-project/messages/)" + std::to_string(++names) + "\"}");
  });
  start();

  const auto first = raise_action(HttpClient(daemon_->port(), operator_token_), burglary());
  ASSERT_TRUE(database.wait_for(
      "SELECT count(*) FROM deliveries WHERE channel = 'push' AND status IN ('sent', 'failed')", "2", 20s))
      << deliveries();
  EXPECT_EQ(database.scalar(
                "SELECT status || ' ' || provider_ref FROM deliveries d JOIN devices v ON v.id = d.device_id "
                "WHERE v.participant_id = '" +
                kept + "'"),
            "sent projects/test-project/messages/1");
  EXPECT_EQ(database.scalar(
                "SELECT status || ' ' || last_error FROM deliveries d JOIN devices v ON v.id = d.device_id "
                "WHERE v.participant_id = '" +
                gone + "'"),
            "failed fcm: HTTP 404 UNREGISTERED");
  EXPECT_EQ(
      database.scalar("SELECT disabled_at IS NOT NULL FROM devices WHERE participant_id = '" + gone + "'"),
      "t");
  EXPECT_EQ(
      database.scalar("SELECT disabled_at IS NOT NULL FROM devices WHERE participant_id = '" + kept + "'"),
      "f");
  // Failed for good: not retried.
  EXPECT_EQ(database.scalar("SELECT attempt FROM deliveries d JOIN devices v ON v.id = d.device_id WHERE "
                            "v.participant_id = '" +
                            gone + "'"),
            "1");

  auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 2u);
  std::set<std::string> tokens;
  for (const auto& r : requests) {
    EXPECT_EQ(r.target, "/v1/projects/test-project/messages:send");
    EXPECT_EQ(r.headers.at("authorization"), "Bearer " + kAccessToken);
    const auto message = nlohmann::json::parse(r.body).at("message");
    tokens.insert(message.at("token").get<std::string>());
    EXPECT_EQ(message.at("data").at("action_id"), first);
    EXPECT_NE(message.at("notification").at("body").get<std::string>().find("Man in donkere jas"),
              std::string::npos);
  }
  EXPECT_EQ(tokens, (std::set<std::string>{kept_token, gone_token}));

  const auto second = raise_action(HttpClient(daemon_->port(), operator_token_), burglary());
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE action_id = '" + second +
                                    "' AND channel = 'push' AND status = 'sent'",
                                "1", 20s))
      << deliveries();
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + second +
                            "' AND channel = 'push'"),
            "1");
  requests = provider_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(requests.back().body).at("message").at("token"), kept_token);
  // One access token served both actions.
  EXPECT_EQ(provider_.side_requests().size(), 1u);
  // Neither the access token nor a push token in the daemon's log.
  EXPECT_EQ(daemon_->log().find(kAccessToken), std::string::npos);
  EXPECT_EQ(daemon_->log().find(gone_token), std::string::npos);
}

}  // namespace
