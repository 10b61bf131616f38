// The fcm driver against the fake provider on loopback TLS, past what the shared conformance
// table covers: the OAuth token's life (one request for many messages, renewed before it
// expires, dropped on a 401), the token endpoint's failures, and FCM's error classes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "burgernet/net/encoding.hpp"
#include "channel/fcm/fcm_channel.hpp"
#include "support/channel_harness.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;
using channel::Failed;
using channel::FcmChannel;
using channel::OutboundMessage;
using channel::Retry;
using channel::SendResult;
using channel::Sent;

namespace {

const std::string kAccessToken = "ya29.access-token-for-tests";
const std::string kPushToken = "device-registration-token:APA91bHun4MxP5egoKMwt2";

FakeAnswer token_answer(const std::string& access_token = kAccessToken, int expires_in = 3599) {
  return FakeAnswer::ok(
      nlohmann::json{{"access_token", access_token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}
          .dump());
}

FakeAnswer fcm_error(unsigned status, const std::string& rpc_status, nlohmann::json details) {
  return {
      status,
      nlohmann::json{
          {"error",
           {{"code", status}, {"message", "fake"}, {"status", rpc_status}, {"details", std::move(details)}}}}
          .dump(),
      {}};
}

nlohmann::json fcm_error_code(const std::string& code) {
  return {{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"}, {"errorCode", code}};
}

nlohmann::json bad_field(const std::string& field) {
  return {{"@type", "type.googleapis.com/google.rpc.BadRequest"},
          {"fieldViolations", {{{"field", field}, {"description", "Invalid value"}}}}};
}

OutboundMessage push(std::int64_t id = 7) {
  OutboundMessage m;
  m.delivery_id = id;
  m.action_id = "00000000-0000-0000-0000-0000000000a1";
  m.channel = "push";
  m.kind = "action";
  m.to = kPushToken;
  m.title = "Burgernet: inbraak";
  m.text = "Man in donkere jas gevlucht richting station.";
  m.data = {{"action_id", "00000000-0000-0000-0000-0000000000a1"}, {"kind", "action"}, {"attempt", 2}};
  return m;
}

class FcmDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_.serve("/token", token_answer());
    provider_.answer(FakeAnswer::ok(R"({"name":"projects/test-project/messages/0:1"})"));
  }
  void TearDown() override {
    channel_.reset();
    // Never the key, an assertion, an access token or a push token in the log.
    EXPECT_EQ(log_.text().find(kAccessToken), std::string::npos) << log_.text();
    EXPECT_EQ(log_.text().find(kPushToken), std::string::npos) << log_.text();
    EXPECT_EQ(log_.text().find(key_line()), std::string::npos) << log_.text();
    for (const auto& r : provider_.side_requests()) {
      for (const auto& [name, value] : net::form_decode(r.body)) {
        if (name == "assertion") {
          EXPECT_EQ(log_.text().find(value.substr(value.rfind('.'))), std::string::npos);
        }
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string key_line() {
    const auto& pem = test_service_account().private_key_pem;
    const auto start = pem.find('\n') + 1;
    return pem.substr(start, 40);
  }

  config::ChannelConfig config(nlohmann::json extra = nlohmann::json::object()) {
    test_service_account().write(dir_ + "/service_account.json", provider_.url("/token"));
    config::ChannelConfig c;
    c.name = "push";
    c.driver = "fcm";
    c.concurrency = 4;
    c.timeout = 2000ms;
    c.settings = {{"driver", "fcm"},
                  {"base_url", provider_.url()},
                  {"service_account_file", dir_ + "/service_account.json"},
                  {"ca_file", provider_.ca_file()}};
    c.settings.update(extra);
    return c;
  }

  FcmChannel& make(nlohmann::json extra = nlohmann::json::object()) {
    channel_ = std::make_unique<FcmChannel>(config(std::move(extra)), [this] { return now_; });
    return *channel_;
  }

  std::vector<SendResult> send(std::vector<OutboundMessage> batch) {
    auto results = send_batch(*channel_, std::move(batch), io_);
    for (const auto& result : results) {
      const std::string reason = reason_of(result);
      EXPECT_EQ(reason.find(kPushToken), std::string::npos) << reason;
      EXPECT_EQ(reason.find(kAccessToken), std::string::npos) << reason;
      EXPECT_LE(reason.size(), 80u) << reason;
    }
    return results;
  }
  SendResult send_one(OutboundMessage m = push()) { return send({std::move(m)}).at(0); }

  std::vector<OutboundMessage> batch(int n) {
    std::vector<OutboundMessage> out;
    for (int i = 0; i < n; ++i) out.push_back(push(100 + i));
    return out;
  }

  CapturedLog log_{"fcm"};
  boost::asio::io_context io_;
  FakeProvider provider_;
  std::string dir_ = make_temp_dir("fcm-test-");
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<FcmChannel> channel_;
};

TEST_F(FcmDriver, SendsFcmsMessageWithTheAccessTokenAndReadsTheMessageName) {
  make({{"project_id", "burgernet-nl"}});
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Sent>(result));
  EXPECT_EQ(std::get<Sent>(result).provider_ref, "projects/test-project/messages/0:1");
  ASSERT_EQ(provider_.request_count(), 1u);
  const auto r = provider_.requests().front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/projects/burgernet-nl/messages:send");  // the config's project_id wins
  EXPECT_EQ(r.headers.at("authorization"), "Bearer " + kAccessToken);
  const auto body = nlohmann::json::parse(r.body);
  const auto& m = body.at("message");
  EXPECT_EQ(m.at("token"), kPushToken);
  EXPECT_EQ(m.at("notification"), (nlohmann::json{{"title", "Burgernet: inbraak"}, {"body", push().text}}));
  EXPECT_EQ(m.at("android"), (nlohmann::json{{"priority", "high"}}));
  EXPECT_EQ(m.at("apns").at("headers").at("apns-priority"), "10");
  EXPECT_EQ(m.at("apns").at("payload").at("aps").at("sound"), "default");
  EXPECT_EQ(m.at("data").at("action_id"), "00000000-0000-0000-0000-0000000000a1");
  EXPECT_EQ(m.at("data").at("attempt"), "2");  // FCM takes strings only
  EXPECT_EQ(m.at("data").at("delivery_id"), "7");
  for (const auto& [name, value] : m.at("data").items()) EXPECT_TRUE(value.is_string()) << name;
}

TEST_F(FcmDriver, TheTokenRequestIsASignedServiceAccountGrant) {
  make();
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  const auto side = provider_.side_requests();
  ASSERT_EQ(side.size(), 1u);
  EXPECT_EQ(side[0].method, "POST");
  EXPECT_EQ(side[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  std::map<std::string, std::string> form;
  for (auto& [k, v] : net::form_decode(side[0].body)) form[k] = v;
  EXPECT_EQ(form.at("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const auto jwt = verify_rs256(form.at("assertion"), test_service_account().public_key_pem);
  ASSERT_TRUE(jwt) << "the assertion does not verify with the service account's public key";
  EXPECT_EQ(jwt->header.at("alg"), "RS256");
  EXPECT_EQ(jwt->claims.at("iss"), test_service_account().client_email);
  EXPECT_EQ(jwt->claims.at("scope"), "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(jwt->claims.at("aud"), provider_.url("/token"));
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto iat = jwt->claims.at("iat").get<std::int64_t>();
  EXPECT_NEAR(static_cast<double>(iat), static_cast<double>(now), 60);
  EXPECT_GT(jwt->claims.at("exp").get<std::int64_t>(), iat);
  EXPECT_LE(jwt->claims.at("exp").get<std::int64_t>(), iat + 3600);
}

TEST_F(FcmDriver, OneTokenRequestServesManyMessagesUntilShortlyBeforeItExpires) {
  make();
  // Four messages at once, all needing the token: one of them asks, the others wait for it.
  for (const auto& r : send(batch(20))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  for (const auto& r : send(batch(5))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  EXPECT_EQ(provider_.side_requests().size(), 1u);
  EXPECT_EQ(provider_.request_count(), 25u);

  now_ += 3599s - 61s;  // still more than a minute to go
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(provider_.side_requests().size(), 1u);

  provider_.serve("/token", token_answer("ya29.the-second-token"));
  now_ += 2s;  // within the last minute: renewed before FCM could refuse it
  for (const auto& r : send(batch(8))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  EXPECT_EQ(provider_.side_requests().size(), 2u);
  EXPECT_EQ(provider_.requests().back().headers.at("authorization"), "Bearer ya29.the-second-token");
}

TEST_F(FcmDriver, A401FromFcmDropsTheTokenAndTheNextAttemptFetchesANewOne) {
  make();
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  provider_.answer(fcm_error(401, "UNAUTHENTICATED", nlohmann::json::array()));
  const auto refused = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(refused));
  EXPECT_EQ(std::get<Retry>(refused).reason, "fcm: HTTP 401 (access token refused)");
  EXPECT_EQ(provider_.side_requests().size(), 1u);

  provider_.answer(FakeAnswer::ok(R"({"name":"projects/p/messages/2"})"));
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(provider_.side_requests().size(), 2u);
}

TEST_F(FcmDriver, UnregisteredAndInvalidTokensFailAndDisableTheDevice) {
  make();
  provider_.answer(fcm_error(404, "NOT_FOUND", {fcm_error_code("UNREGISTERED")}));
  auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 404 UNREGISTERED");

  // FCM's answer to a malformed token: INVALID_ARGUMENT with an FcmError and no BadRequest.
  provider_.answer(fcm_error(400, "INVALID_ARGUMENT", {fcm_error_code("INVALID_ARGUMENT")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 400 invalid registration token");

  provider_.answer(fcm_error(400, "INVALID_ARGUMENT", {bad_field("message.token")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
}

TEST_F(FcmDriver, OtherErrorsKeepTheDevice) {
  make();
  // A bad field of ours, not the token's: the message fails, the device stays.
  provider_.answer(fcm_error(400, "INVALID_ARGUMENT",
                             {bad_field("message.data[0].value"), fcm_error_code("INVALID_ARGUMENT")}));
  auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 400 INVALID_ARGUMENT");

  provider_.answer(fcm_error(403, "PERMISSION_DENIED", {fcm_error_code("SENDER_ID_MISMATCH")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 403 SENDER_ID_MISMATCH");

  auto quota = fcm_error(429, "RESOURCE_EXHAUSTED", {fcm_error_code("QUOTA_EXCEEDED")});
  quota.headers = {{"Retry-After", "30"}};
  provider_.answer(quota);
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).after, 30000ms);
  EXPECT_EQ(std::get<Retry>(result).reason, "fcm: HTTP 429 QUOTA_EXCEEDED");

  // An APNs credential problem in Firebase is a 401 too, but not about our access token.
  provider_.answer(fcm_error(401, "UNAUTHENTICATED", {fcm_error_code("THIRD_PARTY_AUTH_ERROR")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(provider_.side_requests().size(), 1u);
}

TEST_F(FcmDriver, TokenEndpointOutageRetriesTheMessagesWithOneRequest) {
  make();
  auto outage = FakeAnswer::status_only(503);
  outage.headers = {{"Retry-After", "12"}};
  provider_.serve("/token", outage);
  const auto results = send(batch(4));
  for (const auto& r : results) {
    ASSERT_TRUE(std::holds_alternative<Retry>(r));
    EXPECT_EQ(std::get<Retry>(r).reason, "fcm: token endpoint HTTP 503");
    EXPECT_EQ(std::get<Retry>(r).after, 12000ms);
  }
  EXPECT_EQ(provider_.side_requests().size(), 1u);  // the others waited for its outcome
  EXPECT_EQ(provider_.request_count(), 0u);

  provider_.serve("/token", token_answer());
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one()));
}

TEST_F(FcmDriver, TokenEndpointTimeoutIsARetry) {
  make();
  provider_.serve("/token", FakeAnswer::stalled());
  channel_ = std::make_unique<FcmChannel>(
      [&] {
        auto c = config();
        c.timeout = 300ms;
        return c;
      }(),
      [this] { return now_; });
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "fcm: timeout");
}

TEST_F(FcmDriver, RefusedServiceAccountFailsWithAClearReasonAndNoSecret) {
  make();
  provider_.serve(
      "/token",
      FakeAnswer{400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", {}});
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: token refused (HTTP 400 invalid_grant)");
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(provider_.request_count(), 0u);
  EXPECT_NE(log_.text().find("refused the service account"), std::string::npos) << log_.text();

  provider_.serve("/token", FakeAnswer{401, R"({"error":"invalid_client"})", {}});
  const auto again = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(again));
  EXPECT_EQ(std::get<Failed>(again).reason, "fcm: token refused (HTTP 401 invalid_client)");
}

TEST_F(FcmDriver, AMessageWithoutAPushTokenFailsWithoutAskingAnyone) {
  make();
  auto m = push();
  m.to.reset();
  const auto result = send_one(m);
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(provider_.side_requests().size(), 0u);
}

TEST_F(FcmDriver, SetupErrorsNameTheKeyAndNeverQuoteTheFile) {
  auto c = config();
  // The project comes from the service account when the config has none.
  EXPECT_NO_THROW(FcmChannel{c});

  std::ofstream(dir_ + "/broken.json")
      << R"({"client_email":"x@y", "private_key":"-----BEGIN PRIVATE KEY-----\nAAAAsecretish\n-----END PRIVATE KEY-----\n", "token_uri":"https://oauth2.googleapis.com/token", "project_id":"p"})";
  c.settings["service_account_file"] = dir_ + "/broken.json";
  try {
    FcmChannel channel(c);
    FAIL() << "expected a setup error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("channels.push.service_account_file"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("AAAAsecretish"), std::string::npos) << e.what();
  }

  std::ofstream(dir_ + "/not.json") << "private_key = AAAAsecretish";
  c.settings["service_account_file"] = dir_ + "/not.json";
  try {
    FcmChannel channel(c);
    FAIL() << "expected a setup error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("channels.push.service_account_file"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("AAAAsecretish"), std::string::npos) << e.what();
  }

  auto plain = config();
  plain.settings["base_url"] = "http://fcm.example";
  EXPECT_THROW(FcmChannel{plain}, std::runtime_error);
}

}  // namespace
